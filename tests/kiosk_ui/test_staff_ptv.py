"""The PTV import page (/staff/content/import): roles, CSRF, upload and differences, accept and reject, bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiosk_ui.routers import staff_ptv
from service_catalogue import ptv
from store.catalogue_workspace import CatalogueWorkspace
from tests.kiosk_ui.test_staff import signed_in, staff_client_with

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ptv" / "testikunta.json"
PAGE = "/staff/content/import"
PARKING = "service:ptv_98cc14be"
LIBRARY = "service:ptv_c25dc9bd"
AUTHORITY = "authority:ptv_org_8186cdea"


@pytest.fixture
def client(tmp_path):
    with staff_client_with(tmp_path, {"aino": "advisor", "eero": "editor", "anna": "admin"}) as client:
        yield client


@pytest.fixture
def editor(client) -> str:
    """Signed in as the editor; the session's CSRF token."""
    return signed_in(client, "eero")


def upload(client, csrf: str, *files: tuple[str, bytes], lang: str = "fi"):
    return client.post(
        f"{PAGE}?lang={lang}",
        data={"csrf_token": csrf},
        files=[("file", (name, data, "application/json")) for name, data in files],
    )


def rows(html: str) -> dict[str, str]:
    """ref -> status of the result table's rows."""
    return dict(re.findall(r'<tr data-ref="([^"]+)" data-status="([^"]+)">', html))


def payload_of(html: str) -> str:
    return re.search(r'name="payload" value="([^"]+)"', html).group(1)


def change(field: str, before: str, after: str, lang: str = "fi") -> str:
    """A row of a changes table as the page writes it: the field, now, in PTV."""
    cell = f'<td lang="{lang}">'
    return f"<code>{field}</code></td>{cell}{before}</td>{cell}{after}</td>"


def drafts(client) -> dict[str, object]:
    return {f"{d.kind}:{d.key}": d for d in client.app.state.catalogue_workspace.drafts()}


def test_anonymous_callers_go_to_the_login_and_advisors_are_refused(client):
    response = client.get(PAGE)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    csrf = signed_in(client, "aino")
    assert client.get(PAGE).status_code == 403
    assert upload(client, csrf, ("t.json", FIXTURE.read_bytes())).status_code == 403
    assert client.post(f"{PAGE}/review", data={"csrf_token": csrf, "payload": "x"}).status_code == 403


@pytest.mark.parametrize("user", ["eero", "anna"])
def test_editors_and_admins_see_the_upload_form_in_their_language(client, user):
    signed_in(client, user)
    page = client.get(f"{PAGE}?lang=sv")
    assert page.status_code == 200
    assert "Importera från servicedatalagret" in page.text and 'enctype="multipart/form-data"' in page.text


def test_posts_without_the_csrf_token_are_refused(client, editor):
    response = client.post(PAGE, files=[("file", ("t.json", FIXTURE.read_bytes(), "application/json"))])
    assert response.status_code == 403
    wrong = upload(client, "not-the-token", ("t.json", FIXTURE.read_bytes()))
    assert wrong.status_code == 403
    assert client.post(f"{PAGE}/review", data={"payload": "x"}).status_code == 403
    assert drafts(client) == {}


def test_upload_shows_new_entries_and_the_point_s_field_differences(client, editor):
    page = upload(client, editor, ("testikunta.json", FIXTURE.read_bytes()))
    assert page.status_code == 200
    assert rows(page.text) == {AUTHORITY: "new", PARKING: "new", LIBRARY: "new", "point:point": "differs"}
    assert "Uusia 3, eroavia 1, samoja 0" in page.text
    assert "Asukaspysäköintitunnus (Testikunta)" in page.text
    # The point's differences field by field: now and in PTV.
    assert change("opening_hours.fi", "ma–pe klo 9–16", "ma–to klo 9–16, pe klo 9–14.30") in page.text
    assert change("name.fi", "Esimerkkikunnan asiointipiste", "Testikunnan asiointipiste") in page.text
    assert "Täydennä nimet ruotsiksi ja englanniksi" in page.text  # the draft authority must be completed
    assert "Tiedostossa oli 2 muuta kohdetta" in page.text  # the draft service and the phone channel
    assert drafts(client) == {}  # showing saves nothing


def test_accepting_makes_drafts_with_source_ptv_and_rejecting_makes_none(client, editor):
    page = upload(client, editor, ("testikunta.json", FIXTURE.read_bytes()))
    response = client.post(
        f"{PAGE}/review?lang=fi",
        data={
            "csrf_token": editor,
            "payload": payload_of(page.text),
            "decision.service.ptv_98cc14be": "accept",
            "decision.service.ptv_c25dc9bd": "reject",
            "decision.point.point": "accept",
            "decision.authority.ptv_org_8186cdea": "reject",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?lang=fi&saved=3&rejected=1"
    saved = drafts(client)
    # The accepted service brings its new authority along, although that row said reject.
    assert set(saved) == {PARKING, "point:point", AUTHORITY}
    assert {d.source for d in saved.values()} == {"ptv"} and {d.editor for d in saved.values()} == {"eero"}
    assert saved[PARKING].after["name"]["fi"] == "Asukaspysäköintitunnus (Testikunta)"
    assert saved[PARKING].after["authority"] == "ptv_org_8186cdea" and saved[PARKING].after["verified"] is False
    assert saved["point:point"].after["hours"]["fri"] == ["09:00-14:30"]
    assert saved["point:point"].after["capabilities"]  # the point keeps what PTV does not say
    done = client.get(response.headers["location"])
    assert "Tallennettiin 3 luonnosta." in done.text and "Hylättiin 1." in done.text


def test_rejecting_everything_saves_no_draft(client, editor):
    page = upload(client, editor, ("testikunta.json", FIXTURE.read_bytes()))
    fields = dict.fromkeys(re.findall(r'name="(decision\.[^"]+)" value="reject"', page.text), "reject")
    response = client.post(f"{PAGE}/review", data={"csrf_token": editor, "payload": payload_of(page.text), **fields})
    assert response.status_code == 303 and "saved=0" in response.headers["location"]
    assert drafts(client) == {}


def test_a_changed_or_foreign_payload_is_refused(client, editor):
    page = upload(client, editor, ("testikunta.json", FIXTURE.read_bytes()))
    payload = payload_of(page.text)
    body, mac = payload.rsplit(".", 1)
    forged = ptv.PtvFile([], ptv.read(FIXTURE.read_bytes()).location)
    for bad in (f"{body[:-4]}AAAA.{mac}", staff_ptv.sign(forged, "another-session"), "", "x" * 100):
        response = client.post(
            f"{PAGE}/review", data={"csrf_token": editor, "payload": bad, "decision.point.point": "accept"}
        )
        assert response.status_code == 400
        assert "Tuonnin tiedot eivät enää kelpaa" in response.text
    assert drafts(client) == {}


def test_the_same_file_again_after_publishing_is_the_same(client, editor, monkeypatch):
    file = ptv.read(FIXTURE.read_bytes())
    section = client.app.state.texts.section("ptv")
    published = ptv.compare(file, client.app.state.catalogue_workspace.documents(), ptv.HoursWords.from_texts(section))
    documents = client.app.state.catalogue_workspace.documents()
    for proposal in published:
        if proposal.kind == "point":
            documents["point"]["point"] = proposal.entry
        elif proposal.kind == "authority":
            documents["authorities"]["authorities"].append(proposal.entry)
        else:
            documents["services"]["services"].append(proposal.entry)
    monkeypatch.setattr(CatalogueWorkspace, "documents", lambda self, include_drafts_of=None: documents)
    changed = json.loads(FIXTURE.read_text("utf-8"))
    changed[0]["itemList"][0]["serviceNames"][0]["value"] = "Asukaspysäköinti (Testikunta)"
    page = upload(client, editor, ("testikunta.json", json.dumps(changed).encode()))
    assert rows(page.text) == {PARKING: "differs", LIBRARY: "same", "point:point": "same"}
    assert change("name.fi", "Asukaspysäköintitunnus (Testikunta)", "Asukaspysäköinti (Testikunta)") in page.text
    unchanged = upload(client, editor, ("testikunta.json", FIXTURE.read_bytes()))
    assert set(rows(unchanged.text).values()) == {"same"}
    assert "Kaikki tiedot ovat jo samat kuin sisällössä." in unchanged.text and 'name="payload"' not in unchanged.text


def test_two_files_are_read_together(client, editor):
    document = json.loads(FIXTURE.read_text("utf-8"))
    page = upload(
        client,
        editor,
        ("services.json", json.dumps(document[0]).encode()),
        ("channel.json", json.dumps(document[1]).encode()),
    )
    assert page.status_code == 200 and set(rows(page.text)) == {AUTHORITY, PARKING, LIBRARY, "point:point"}


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"{oops", 400, "Tiedosto ei ole JSON-muotoinen."),
        (b'{"hello": "world"}', 400, "Tiedostossa ei ole PTV:n palveluja eikä palvelupisteen palvelukanavaa."),
        (b"", 400, "Tiedosto on tyhjä."),
        (b" " * (ptv.MAX_FILE_BYTES + 1), 413, "Tiedosto on liian suuri. Enimmäiskoko on 5 Mt."),
    ],
)
def test_bad_files_are_refused_with_a_message(client, editor, data, status, message):
    response = upload(client, editor, ("bad.json", data))
    assert response.status_code == status
    assert message in response.text and 'data-testid="error"' in response.text
    assert drafts(client) == {}


def test_the_refusal_is_in_the_page_language_and_no_file_is_asked_for(client, editor):
    response = upload(client, editor, ("bad.json", b"{oops"), lang="sv")
    assert response.status_code == 400 and "Filen är inte i JSON-format." in response.text
    empty = client.post(f"{PAGE}?lang=en", data={"csrf_token": editor})
    assert empty.status_code == 400 and "Choose a file to upload." in empty.text


def test_an_oversized_request_is_refused_before_it_is_read(client, editor):
    big = b"[" + b" " * (staff_ptv.MAX_REQUEST_BYTES + 10) + b"]"
    response = upload(client, editor, ("big.json", big))
    assert response.status_code == 413 and "Tiedosto on liian suuri." in response.text


def test_an_accepted_point_once_published_is_the_same_on_the_next_import(client, editor):
    page = upload(client, editor, ("testikunta.json", FIXTURE.read_bytes()))
    client.post(
        f"{PAGE}/review",
        data={"csrf_token": editor, "payload": payload_of(page.text), "decision.point.point": "accept"},
    )
    workspace = client.app.state.catalogue_workspace
    assert workspace.check("eero") == []  # the imported point passes the catalogue's own validation
    workspace.publish("eero")
    assert workspace.published().point["name"]["fi"] == "Testikunnan asiointipiste"
    again = upload(client, editor, ("testikunta.json", FIXTURE.read_bytes()))
    assert rows(again.text)["point:point"] == "same"
    assert rows(again.text)[PARKING] == "new"


def test_more_than_five_files_are_refused(client, editor):
    files = [(f"f{n}.json", FIXTURE.read_bytes()) for n in range(staff_ptv.MAX_FILES + 1)]
    response = upload(client, editor, *files)
    assert response.status_code == 400 and "Valitse enintään 5 tiedostoa." in response.text
