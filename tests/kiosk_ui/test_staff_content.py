"""The content editor (/staff/content): roles, CSRF, the generated form's round trip, drafts, validation next to
the field, publish, verified, preview, history and revert, export."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import zipfile
from html.parser import HTMLParser

import pytest
import yaml

from service_catalogue.loader import DEFAULT_DATA_DIR, Problem
from store.catalogue_workspace import CatalogueWorkspace
from tests.kiosk_ui.test_staff import signed_in, staff_client_with

ENTRY = "/staff/content/entries"


@pytest.fixture
def client(tmp_path, monkeypatch):
    # Publishing is seen at once (the live catalogue would otherwise look again after two seconds).
    monkeypatch.setenv("CATALOGUE_CHECK_SECONDS", "0")
    with staff_client_with(tmp_path, {"aino": "advisor", "eero": "editor", "anna": "admin"}) as client:
        yield client


@pytest.fixture
def editor(client) -> str:
    """Signed in as the editor; the session's CSRF token."""
    return signed_in(client, "eero")


def workspace(client) -> CatalogueWorkspace:
    return CatalogueWorkspace(client.app.state.db_engine)


def served(client):
    """The catalogue the web app serves customers now."""
    return client.app.state.catalogue_live.get()


class _FormFields(HTMLParser):
    """What a browser would post from the entry form: inputs, checked boxes, textareas, selected options."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None
        self.first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "entry-form" in (a.get("class") or ""):
            self.inside = True
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields[name] = a.get("value") or "on"
            else:
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            value = a.get("value") or ""
            if self.first_option is None:
                self.first_option = value
                self.fields.setdefault(self.select, value)
            if "selected" in a:
                self.fields[self.select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def form_of(page: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(page)
    return parser.fields


def edit(client, csrf: str, kind: str, key: str, changes: dict, op: str = "save", lang: str = "fi", new: bool = False):
    """Open the entry's form, change some fields, and post it as the browser would."""
    page = client.get(f"{ENTRY}/{kind}/{key}?lang={lang}" + ("&new=1" if new else ""))
    assert page.status_code == 200, page.text
    fields = form_of(page.text)
    for name, value in changes.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return client.post(f"{ENTRY}/{kind}/{key}?lang={lang}", data={**fields, "csrf_token": csrf, "op": op})


def field_block(page: str, path: str) -> str:
    """The HTML of one field (its data-path element up to the next field)."""
    start = page.index(f'data-path="{path}"')
    following = page.find("data-path=", start + 10)
    return page[start : following if following > 0 else len(page)]


def publish(client, csrf: str, draft: str = ""):
    return client.post("/staff/content/publish?lang=fi", data={"csrf_token": csrf, "draft": draft})


# --- roles and CSRF ----------------------------------------------------------------------------------------

PAGES = [
    "/staff/content",
    "/staff/content?tab=form",
    f"{ENTRY}/service/housing_allowance",
    f"{ENTRY}/service/housing_allowance/preview",
    f"{ENTRY}/service/housing_allowance/preview/frame?surface=widget&answer=sv",
    "/staff/content/history",
    "/staff/content/export.zip",
]


def test_anonymous_callers_go_to_the_login_and_advisors_are_refused(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), path
    signed_in(client, "aino")
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert "/staff/content" not in client.get("/staff").text  # no nav link for an advisor


def test_posts_without_the_csrf_token_are_refused(client, editor):
    for path in [f"{ENTRY}/service/housing_allowance", "/staff/content/publish", "/staff/content/new"]:
        assert client.post(path, data={"op": "save", "kind": "service", "key": "test_x"}).status_code == 403, path
        assert client.post(path, data={"csrf_token": "wrong", "op": "save"}).status_code == 403, path
    assert workspace(client).drafts("eero") == []


def test_the_editor_sees_every_kind_by_name_in_the_page_language(client, editor):
    page = client.get("/staff/content?lang=sv&tab=service")
    assert page.status_code == 200 and "Allmänt bostadsbidrag" in page.text
    assert 'href="/staff/content?lang=sv" aria-current="page"' in page.text  # the nav link
    for tab, name in [("life_situation", "Att få barn"), ("form", "AT 1"), ("authority", "FPA")]:
        assert name in client.get(f"/staff/content?lang=sv&tab={tab}").text, tab
    point = client.get(f"{ENTRY}/point/point?lang=en")
    assert point.status_code == 200 and "Esimerkkikunta service point" in point.text
    assert client.get(f"{ENTRY}/service/no_such_service").status_code == 404
    assert client.get(f"{ENTRY}/nothing/x").status_code == 404


# --- the form and its round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("service", "housing_allowance"),
        ("form", "AT 1"),
        ("life_situation", "KE1"),
        ("authority", "kela"),
        ("point", "point"),
    ],
)
def test_the_form_posted_unchanged_gives_the_entry_back(client, editor, kind, key):
    before = workspace(client).entry(kind, key)
    response = edit(client, editor, kind, key, {})
    assert response.status_code == 303 and "done=saved" in response.headers["location"]
    assert workspace(client).entry(kind, key, "eero") == before


def test_texts_are_side_by_side_with_counts_and_a_warning_above_the_kiosk_limit(client, editor):
    page = client.get(f"{ENTRY}/service/housing_allowance?lang=en").text
    block = field_block(page, "name")
    assert "<legend>Name" in block and block.count("<textarea") == 3
    assert 'for="f-name-sv">Swedish</label>' in block and 'aria-describedby="f-name-sv-count"' in block
    assert "25 / 60 characters" in block  # "General housing allowance"
    long = "x" * 70
    edit(client, editor, "service", "housing_allowance", {"name.en": long}, lang="en")
    page = client.get(f"{ENTRY}/service/housing_allowance?lang=en").text
    assert "More than 60 characters do not fit the kiosk" in field_block(page, "name")


# --- draft, publish, served ----------------------------------------------------------------------------------


def test_an_edit_is_a_draft_until_published_then_served_at_once(client, editor):
    old = served(client).life_situations["KE1"]["name"]["sv"]
    response = edit(client, editor, "life_situation", "KE1", {"name.sv": "Att få ett barn (test)"})
    assert response.status_code == 303
    assert served(client).life_situations["KE1"]["name"]["sv"] == old
    assert "Att få ett barn (test)" not in client.get("/kiosk?lang=sv").text
    page = client.get("/staff/content?lang=fi&tab=life_situation").text
    assert 'data-testid="drafts"' in page and '<span class="badge">Luonnos</span>' in page
    [draft] = workspace(client).drafts("eero")
    response = publish(client, editor, str(draft.id))
    assert response.status_code == 303 and "done=published" in response.headers["location"]
    assert served(client).life_situations["KE1"]["name"]["sv"] == "Att få ett barn (test)"
    assert "Att få ett barn (test)" in client.get("/kiosk?lang=sv").text
    assert workspace(client).drafts("eero") == []


def test_discard_throws_the_draft_away(client, editor):
    edit(client, editor, "service", "housing_allowance", {"name.fi": "Testiasumistuki"})
    [draft] = workspace(client).drafts("eero")
    response = client.post(f"/staff/content/drafts/{draft.id}/discard?lang=fi", data={"csrf_token": editor})
    assert response.status_code == 303 and workspace(client).drafts("eero") == []
    assert workspace(client).entry("service", "housing_allowance", "eero")["name"]["fi"] == "Yleinen asumistuki"


def test_list_items_are_added_moved_and_removed_without_saving(client, editor):
    steps = len(workspace(client).entry("life_situation", "KE1")["steps"])
    added = edit(client, editor, "life_situation", "KE1", {}, op="add:steps")
    assert added.status_code == 200 and 'data-testid="unsaved"' in added.text
    assert f'name="steps.{steps}._item"' in added.text
    assert workspace(client).drafts("eero") == []
    moved = edit(client, editor, "life_situation", "KE1", {}, op="up:steps.1")
    fields = form_of(moved.text)
    assert fields["steps.0.service"] == "child_benefit" and fields["steps.1.service"] == "parental_benefits"
    removed = edit(client, editor, "life_situation", "KE1", {}, op="remove:steps.0")
    assert form_of(removed.text)["steps.0.service"] == "child_benefit"
    assert f'name="steps.{steps - 1}._item"' not in removed.text


# --- validation next to the field, and publishing refused -------------------------------------------------


def _refused_next_to(client, csrf, kind, key, changes, path, words):
    response = edit(client, csrf, kind, key, changes)
    assert response.status_code == 303
    page = client.get(f"{ENTRY}/{kind}/{key}?lang=fi").text
    block = field_block(page, path)
    assert 'data-testid="field-problems"' in block and words in html.unescape(block), block
    assert re.search(r'data-testid="publish"[^>]*disabled', page)
    assert re.search(r'data-testid="publish-all"[^>]*disabled', client.get("/staff/content?lang=fi").text)
    before = served(client)
    refused = publish(client, csrf)
    assert refused.status_code == 400 and 'data-testid="problems"' in refused.text
    assert served(client) is before or served(client).services == before.services
    assert len(workspace(client).drafts("eero")) == 1


def test_an_unknown_service_in_a_step_shows_at_the_step_and_blocks_publishing(client, editor):
    _refused_next_to(
        client,
        editor,
        "life_situation",
        "KE1",
        {"steps.0.service": "test_no_such_service"},
        "steps.0.service",
        "Palvelua test_no_such_service ei ole luettelossa.",
    )


def test_a_form_of_an_ended_authority_shows_at_the_authority(client, editor):
    _refused_next_to(
        client,
        editor,
        "form",
        "AT 1",
        {"authority": "te_office"},
        "authority",
        "Viranomaisen te_office toiminta päättyi 2025-01-01",
    )


def test_a_missing_swedish_text_shows_at_that_text(client, editor):
    _refused_next_to(
        client,
        editor,
        "service",
        "housing_allowance",
        {"description.sv": ""},
        "description",
        "Tämä kenttä on tyhjä. Kirjoita teksti.",
    )
    page = client.get(f"{ENTRY}/service/housing_allowance?lang=fi").text
    assert re.search(r'id="f-description-sv"[^>]*aria-invalid="true"', page.replace("\n", " "))


def test_a_duplicate_or_malformed_id_is_refused_next_to_the_id_field(client, editor):
    for kind, key, error in [
        ("service", "housing_allowance", "Tällä tunnuksella on jo sisältöä."),
        ("form", "AT 1", "Tällä tunnuksella on jo sisältöä."),
        ("service", "Not An Id", "Tunnus ei kelpaa."),
        ("form", "at one", "Tunnus ei kelpaa."),
    ]:
        response = client.post("/staff/content/new?lang=fi", data={"csrf_token": editor, "kind": kind, "key": key})
        assert response.status_code == 400, key
        assert 'id="new-key-error"' in response.text and error in response.text, key
        assert 'aria-describedby="new-key-hint new-key-error"' in response.text
    assert workspace(client).drafts("eero") == []


# --- verified ---------------------------------------------------------------------------------------------


def test_verified_is_shown_to_an_editor_but_only_an_admin_sets_it(client, editor):
    page = client.get(f"{ENTRY}/form/AE 1?lang=fi").text
    block = field_block(page, "verified")
    assert "disabled" in block and "Vain pääkäyttäjä" in block
    edit(client, editor, "form", "AE 1", {"verified": "1", "name.en": "Test name"})
    assert workspace(client).entry("form", "AE 1", "eero")["verified"] is False
    client.post("/staff/logout", data={"csrf_token": editor})
    admin = signed_in(client, "anna")
    assert "disabled" not in field_block(client.get(f"{ENTRY}/form/AE 1").text, "verified")
    edit(client, admin, "form", "AE 1", {"verified": "1"})
    assert workspace(client).entry("form", "AE 1", "anna")["verified"] is True


# --- a new entry end to end ---------------------------------------------------------------------------------


def test_a_new_service_is_made_from_the_skeleton_and_published(client, editor):
    response = client.post(
        "/staff/content/new?lang=fi", data={"csrf_token": editor, "kind": "service", "key": "test_own_service"}
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'data-testid="new-notice"' in page.text
    changes = {"authority": "municipality", "intent": "service_test_own_service"}
    for field, words in {
        "name": ("Testipalvelu", "Testtjänst", "Test service"),
        "description": ("Testikunnan oma palvelu.", "Testikommunens tjänst.", "Testikunta's service."),
    }.items():
        for lang, text in zip(("fi", "sv", "en"), words, strict=True):
            changes[f"{field}.{lang}"] = text
    response = edit(client, editor, "service", "test_own_service", changes, new=True)
    assert response.status_code == 303
    assert publish(client, editor).status_code == 303
    service = served(client).services["test_own_service"]
    assert service["name"]["sv"] == "Testtjänst" and service["verified"] is False
    assert served(client).topic("service_test_own_service")[1]["id"] == "test_own_service"
    # And removed again: a draft of the removal, then published.
    removed = client.post(f"{ENTRY}/service/test_own_service?lang=fi", data={"csrf_token": editor, "op": "delete"})
    assert removed.status_code == 303 and "done=deleted" in removed.headers["location"]
    assert "test_own_service" in served(client).services
    assert publish(client, editor).status_code == 303
    assert "test_own_service" not in served(client).services


# --- preview ------------------------------------------------------------------------------------------------


def test_the_preview_shows_the_draft_as_the_kiosk_and_the_widget_draw_it_in_three_languages(client, editor):
    edit(client, editor, "service", "housing_allowance", {"description.sv": "Testbeskrivning av bostadsbidraget."})
    page = client.get(f"{ENTRY}/service/housing_allowance/preview?lang=fi")
    assert page.status_code == 200
    for lang in ("fi", "sv", "en"):
        assert f'data-testid="preview-{lang}"' in page.text
        for surface in ("kiosk", "widget"):
            assert f"surface={surface}&amp;answer={lang}" in page.text
    frame = client.get(f"{ENTRY}/service/housing_allowance/preview/frame?surface=widget&answer=sv")
    assert frame.status_code == 200 and "/static/chat-core.js" in frame.text and "/static/widget.css" in frame.text
    config = json.loads(re.search(r'id="preview-config">(.*?)</script>', frame.text, re.S).group(1))
    texts = [m.get("text", "") for m in config["messages"]]
    assert texts[0].startswith(
        "Allmänt bostadsbidrag\nTestbeskrivning av bostadsbidraget.\nSå här kan du sköta ärendet:"
    )
    forms = [m["custom"] for m in config["messages"] if "custom" in m]
    assert forms[0]["type"] == "form" and forms[0]["variant"] == "AT 1r" and forms[0]["language"] == "sv"
    assert config["texts"]["sv"]["chat"]
    kiosk = client.get(f"{ENTRY}/life_situation/KE1/preview/frame?surface=kiosk&answer=en")
    assert kiosk.status_code == 200 and 'class="kiosk"' in kiosk.text and "/static/kiosk.css" in kiosk.text
    config = json.loads(re.search(r'id="preview-config">(.*?)</script>', kiosk.text, re.S).group(1))
    assert config["messages"][1]["custom"]["type"] == "life_situation"
    # Nothing was published by previewing.
    assert served(client).services["housing_allowance"]["description"]["sv"] != "Testbeskrivning av bostadsbidraget."


def test_the_preview_says_why_when_the_drafts_do_not_load(client, editor):
    edit(client, editor, "service", "housing_allowance", {"forms": "TEST 901"})
    page = client.get(f"{ENTRY}/service/housing_allowance/preview?lang=en")
    assert page.status_code == 200 and 'data-testid="problems"' in page.text and "TEST 901" in page.text
    assert client.get(f"{ENTRY}/service/housing_allowance/preview/frame").status_code == 409


# --- history, revert, export -----------------------------------------------------------------------------------


def test_history_shows_who_and_what_and_revert_brings_the_old_entry_back(client, editor):
    edit(client, editor, "service", "housing_allowance", {"name.fi": "Testiasumistuki"})
    publish(client, editor)
    assert served(client).services["housing_allowance"]["name"]["fi"] == "Testiasumistuki"
    page = client.get("/staff/content/history?lang=fi")
    assert page.status_code == 200 and 'data-testid="history"' in page.text
    # Who, and what: the entry by its name now and the field the change made.
    assert "<td>eero</td>" in page.text and "Testiasumistuki" in page.text and 'class="hint">name</span>' in page.text
    [change] = workspace(client).history("service", "housing_allowance")
    response = client.post(f"/staff/content/history/{change.id}/revert?lang=fi", data={"csrf_token": editor})
    assert response.status_code == 303 and "done=reverted" in response.headers["location"]
    assert served(client).services["housing_allowance"]["name"]["fi"] == "Yleinen asumistuki"
    assert "Peruttu" in client.get("/staff/content/history?lang=fi").text


def test_export_is_the_published_catalogue_as_the_data_files(client, editor):
    edit(client, editor, "form", "AT 1", {"name.en": "Test name of AT 1"})
    publish(client, editor)
    response = client.get("/staff/content/export.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "catalogue/data/services.yml" in archive.namelist()
    forms = yaml.safe_load(archive.read("catalogue/data/forms.yml"))["forms"]
    assert next(f for f in forms if f["code"] == "AT 1")["name"]["en"] == "Test name of AT 1"


# --- after an upgrade, and a published catalogue that does not load --------------------------------------------


@pytest.fixture
def upgradable(tmp_path, monkeypatch):
    """A client over a copy of catalogue/data/ that the test changes as a software upgrade would; the copy's path."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    monkeypatch.setenv("CATALOGUE_DIR", str(data))
    monkeypatch.setenv("CATALOGUE_CHECK_SECONDS", "0")
    with staff_client_with(tmp_path, {"eero": "editor"}) as client:
        yield client, data


def test_a_field_changed_here_and_by_an_upgrade_is_a_conflict_settled_in_the_history(upgradable):
    client, data = upgradable
    csrf = signed_in(client, "eero")
    edit(client, csrf, "service", "housing_allowance", {"name.fi": "Testiasumistuki"})
    publish(client, csrf)
    services = data / "services.yml"
    text = services.read_text(encoding="utf-8")
    services.write_text(text.replace("fi: Yleinen asumistuki\n", "fi: Yleinen asumistuki (uusi versio)\n", 1), "utf-8")
    assert "Ohjelman päivitys muutti" in client.get("/staff/content?lang=fi").text
    page = client.get("/staff/content/history?lang=fi").text
    conflicts = page[page.index('data-testid="conflicts"') :]
    assert "housing_allowance" in conflicts and "Testiasumistuki" in conflicts and "(uusi versio)" in conflicts
    [conflict] = workspace(client).conflicts()
    response = client.post(
        f"/staff/content/conflicts/{conflict.change_id}/resolve?lang=fi",
        data={"csrf_token": csrf, "field": conflict.field, "keep": "repository"},
    )
    assert response.status_code == 303 and "done=resolved" in response.headers["location"]
    assert served(client).services["housing_allowance"]["name"]["fi"] == "Yleinen asumistuki (uusi versio)"
    assert workspace(client).conflicts() == []


def test_the_content_page_says_why_the_newest_catalogue_is_not_served(client, editor):
    live = client.app.state.catalogue_live
    live.error = [Problem("services.yml", "test_x", "authority", "unknown_authority", "m", {"authority": "test_gone"})]
    page = client.get("/staff/content?lang=fi").text
    assert 'data-testid="live-error"' in page and "Viranomaista test_gone ei ole luettelossa." in page
