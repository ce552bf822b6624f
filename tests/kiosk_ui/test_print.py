"""Print sheets of a form (with a QR code to its page) and of a booking."""

import pytest

from tests.kiosk_ui.conftest import POINT


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
