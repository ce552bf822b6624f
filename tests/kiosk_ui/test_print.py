"""Print sheets of a form (with a QR code to its page, then its PDF or the paper form) and of a booking."""

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from kiosk_ui.deps import get_catalogue
from service_catalogue import loader
from service_catalogue.views import form_link, form_payload, life_situation_payload
from store.form_pdfs import FormPdfs
from tests.kiosk_ui.conftest import POINT
from tests.kiosk_ui.test_forms import a_pdf


@pytest.fixture(autouse=True)
def form_files(tmp_path, monkeypatch) -> Path:
    """The apps of these tests keep form PDFs in the test's folder (set before the client fixture makes its app)."""
    monkeypatch.setenv("FORM_FILES_DIR", str(tmp_path / "forms"))
    return tmp_path / "forms"


@pytest.mark.parametrize(
    "lang, variant, words",
    [("fi", "AT 1", "Palauta lomake"), ("sv", "AT 1r", "Lämna in blanketten"), ("en", "AT 1e", "Return the form")],
)
def test_form_sheet_has_name_code_return_address_and_qr(client, lang, variant, words):
    page = client.get(f"/print/form/AT%201?lang={lang}")
    assert page.status_code == 200
    html = page.text
    form = client.app.state.catalogue.form("AT 1")
    assert f'<html lang="{lang}">' in html and 'data-testid="print-sheet"' in html
    assert variant in html and form["name"][lang] in html and form["returned_to"][lang] in html
    assert words in html and form["url"][lang] in html
    assert 'data-testid="qr"' in html and "<svg" in html
    assert page.headers["cache-control"] == "no-store"


def test_form_sheet_accepts_a_variant_code_and_refuses_unknown_forms(client):
    assert client.get("/print/form/at1r?lang=sv").status_code == 200
    assert client.get("/print/form/XX%2099").status_code == 404
    assert client.get("/print/form/AT%201?lang=de").status_code == 422


def test_only_a_form_the_point_receives_says_it_can_be_handed_in_here(client):
    texts = client.app.state.texts
    assert texts.text("fi", "print.return_here") in client.get("/print/form/AT%201?lang=fi").text
    assert texts.text("fi", "print.return_here") not in client.get("/print/form/5010?lang=fi").text


def test_qr_code_encodes_the_forms_url():
    import segno

    from kiosk_ui.routers.printing import qr_svg

    svg = str(qr_svg("https://www.kela.fi/lomakkeet"))
    assert svg.startswith("<svg") and "kela" not in svg  # the text is encoded, not written out
    assert svg == segno.make("https://www.kela.fi/lomakkeet", error="m").svg_inline(
        scale=5, border=2, dark="#000", light="#fff", omitsize=True
    )


def book(app, kind):
    booking_client = app.state.booking_client
    slot = booking_client.free_slots(kind, "housing", "sv")[0]
    return booking_client.book(
        kind=kind,
        topic="housing",
        language="sv",
        start=slot.start,
        phone="+358401234567" if kind == "phone" else None,
        point_id=POINT,
        channel="kiosk",
    )


def test_booking_sheet_shows_time_kind_reference_and_no_phone_number(client):
    booking = book(client.app, "phone")
    page = client.get(f"/print/booking/{booking.reference.lower().replace('-', '')}?lang=sv")
    assert page.status_code == 200
    html = page.text
    assert booking.reference in html and "Telefontid" in html and "Boende" in html
    assert "401234567" not in html and 'data-testid="print-sheet"' in html


def test_remote_booking_sheet_names_the_room(client):
    booking = book(client.app, "remote")
    html = client.get(f"/print/booking/{booking.reference}?lang=en").text
    assert "Remote service room 1" in html and booking.reference in html


def test_unknown_or_cancelled_booking_sheet_is_404(client):
    assert client.get("/print/booking/ZZZZ-9999").status_code == 404
    booking = book(client.app, "phone")
    client.app.state.booking_client.cancel(booking.reference)
    assert client.get(f"/print/booking/{booking.reference}").status_code == 404


# --- issue 15: the form's own PDF, or the paper form from the advisor; the web link ------------------------


def pdfs_of(client) -> FormPdfs:
    app = client.app
    return FormPdfs(app.state.db_engine, app.state.settings.form_files_dir, app.state.catalogue.forms)


def test_without_a_pdf_the_sheet_says_the_advisor_has_the_paper_form_and_offers_to_ask(client):
    texts = client.app.state.texts
    html = client.get("/print/form/AT%201?lang=sv").text
    assert 'data-testid="form-paper"' in html and "data-form-pdf" not in html
    assert texts.text("sv", "print.paper_text", code="AT 1r") in html
    # The button asks through the kiosk's own form card (print.js shows it only when the kiosk opened the sheet).
    assert 'data-ask-paper="AT 1"' in html and texts.text("sv", "chat.form_ask_paper") in html
    assert texts.text("sv", "print.pdf_heading") not in html


def test_with_a_pdf_the_sheet_says_the_form_prints_next_and_points_print_js_to_it(client):
    pdfs_of(client).upload("AT 1", "en", a_pdf(), "AT 1e.pdf", "eero")
    texts = client.app.state.texts
    html = client.get("/print/form/AT%201?lang=en").text
    assert 'data-form-pdf="/forms/AT%201/en.pdf"' in html and 'data-testid="form-prints-next"' in html
    assert texts.text("en", "print.pdf_text", code="AT 1e") in html and 'data-testid="form-paper"' not in html
    pdf = client.get("/forms/AT%201/en.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    # Framed by this app's print sheet only; the pages' object-src 'none' is not sent with it (Chromium's viewer).
    assert pdf.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    # Only the language that has a PDF prints it; the Finnish sheet still sends the customer to the advisor.
    assert 'data-testid="form-paper"' in client.get("/print/form/AT%201?lang=fi").text


def with_links(cat, form_code: str, **changes):
    """The catalogue with one form (and its authority) changed, as a new catalogue object."""
    changed = copy.copy(cat)
    form = {**cat.forms[form_code], **changes.get("form", {})}
    authority_id = form["authority"]
    authority = {**cat.authorities[authority_id], **changes.get("authority", {})}
    object.__setattr__(changed, "forms", {**cat.forms, form_code: form})
    object.__setattr__(changed, "authorities", {**cat.authorities, authority_id: authority})
    return changed


DIRECT = {"fi": "https://forms.example.test/test-901.pdf", "en": "https://forms.example.test/test-901e.pdf"}
SEARCH = {
    "url": {
        "fi": "https://forms.example.test/haku?q={code}",
        "sv": "https://forms.example.test/sok?q={variant}",
        "en": "https://forms.example.test/search?q={code}",
    },
    "verified": True,
}


def test_the_web_link_is_the_verified_direct_url_else_the_verified_search_else_the_index():
    cat = loader.load_catalogue()
    form, authority = cat.forms["AT 1"], cat.authorities["kela"]
    assert form_link(form, "fi", authority) == (form["url"]["fi"], "index")
    unverified = {**form, "direct_url": DIRECT, "direct_url_verified": False}
    assert form_link(unverified, "fi", authority)[1] == "index"
    direct = {**form, "direct_url": DIRECT, "direct_url_verified": True}
    assert form_link(direct, "fi", authority) == (DIRECT["fi"], "direct")
    assert form_link(direct, "sv", authority) == (form["url"]["sv"], "index")  # no Swedish direct address
    searching = {**authority, "form_search": SEARCH}
    assert form_link(direct, "sv", searching) == ("https://forms.example.test/sok?q=AT%201r", "search")
    assert form_link(form, "fi", searching) == ("https://forms.example.test/haku?q=AT%201", "search")
    assert form_link(form, "fi", {**authority, "form_search": {**SEARCH, "verified": False}})[1] == "index"
    payload = form_payload(direct, "en", searching)
    assert (payload["url"], payload["link"], payload["variant"]) == (DIRECT["en"], "direct", "AT 1e")


def test_the_payload_keeps_the_code_as_the_authority_writes_it():
    cat = loader.load_catalogue()
    assert form_payload(cat.forms["AT 1"], "en")["variant"] == "AT 1e"
    for situation in cat.life_situations.values():
        for lang in ("fi", "sv", "en"):
            for form in life_situation_payload(cat, situation, lang)["forms"]:
                assert form["variant"] == cat.forms[form["code"]]["variants"].get(lang, form["code"])


def test_the_sheet_and_its_qr_code_use_the_same_web_link(client):
    cat = client.app.state.catalogue
    changed = with_links(cat, "AT 1", authority={"form_search": SEARCH})
    client.app.dependency_overrides[get_catalogue] = lambda: changed
    try:
        html = client.get("/print/form/AT%201?lang=sv").text
    finally:
        del client.app.dependency_overrides[get_catalogue]
    from kiosk_ui.routers.printing import qr_svg

    assert "https://forms.example.test/sok?q=AT%201r" in html
    assert str(qr_svg("https://forms.example.test/sok?q=AT%201r")) in html
    assert "AT 1r" in html and "AT 1R" not in html


@pytest.mark.skipif(
    "direct_url" not in loader.SCHEMA_FILE.read_text(encoding="utf-8"),
    reason="catalogue/schema.yml does not have the forms' direct_url yet (/work/issue15/forms-schema.patch)",
)
def test_a_catalogue_with_direct_urls_and_a_form_search_loads(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(loader.DEFAULT_DATA_DIR, data)
    forms = yaml.safe_load((data / "forms.yml").read_text(encoding="utf-8"))
    forms["forms"][0].update(direct_url=DIRECT, direct_url_verified=True)
    (data / "forms.yml").write_text(yaml.safe_dump(forms, allow_unicode=True), encoding="utf-8")
    authorities = yaml.safe_load((data / "authorities.yml").read_text(encoding="utf-8"))
    authorities["authorities"][0]["form_search"] = SEARCH
    (data / "authorities.yml").write_text(yaml.safe_dump(authorities, allow_unicode=True), encoding="utf-8")
    cat = loader.load_catalogue(data)
    form = cat.forms[forms["forms"][0]["code"]]
    assert form_link(form, "fi", cat.authorities[form["authority"]])[1] == "direct"
    authorities["authorities"][0]["form_search"] = {"url": {"fi": "https://forms.example.test/no-placeholder"}}
    (data / "authorities.yml").write_text(yaml.safe_dump(authorities, allow_unicode=True), encoding="utf-8")
    with pytest.raises(loader.CatalogueError):
        loader.load_catalogue(data)
