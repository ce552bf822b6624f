"""The editors' examples pages: roles, add/duplicate/near-duplicate/edit/delete/revert through the forms, export."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml

from tests.kiosk_ui.test_staff import csrf_of, signed_in, staff_client_with
from training.data import TrainingData


@pytest.fixture
def client(tmp_path):
    with staff_client_with(tmp_path, {"aino": "advisor", "eero": "editor"}) as client:
        yield client


@pytest.fixture
def editor(client) -> str:
    """Signed in as the editor; the session's CSRF token."""
    return signed_in(client, "eero")


def data(client) -> TrainingData:
    return TrainingData(client.app.state.db_engine)


def test_anonymous_callers_go_to_the_login_and_advisors_are_refused(client):
    pages = ["/staff/training/intents", "/staff/training/intents/greet", "/staff/training/history"]
    for path in [*pages, "/staff/training/export.zip"]:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), path
    signed_in(client, "aino")
    for path in [*pages, "/staff/training/export.zip"]:
        assert client.get(path).status_code == 403, path


def test_the_list_names_intents_in_the_page_language(client, editor):
    page = client.get("/staff/training/intents?lang=sv")
    assert page.status_code == 200
    assert "Allmänt bostadsbidrag" in page.text and "service_housing_allowance" in page.text
    assert "Hälsning" in page.text and 'lang="sv"' in page.text
    assert 'href="/staff/training/intents?lang=sv" aria-current="page"' in page.text  # the training nav


def test_search_finds_examples_in_every_language(client, editor):
    page = client.get("/staff/training/intents", params={"lang": "en", "q": "HYVAA PAIVAA"})
    assert page.status_code == 200
    assert 'data-testid="search-results"' in page.text and "hyvää päivää" in page.text
    assert client.get("/staff/training/intents", params={"q": "x" * 101}).status_code == 422


def test_the_intent_page_shows_the_examples_of_the_chosen_language(client, editor):
    page = client.get("/staff/training/intents/greet?lang=fi&examples=sv")
    assert page.status_code == 200 and "Tervehdys" in page.text
    assert 'lang="sv">hej</span>' in page.text
    assert client.get("/staff/training/intents/no_such_intent").status_code == 404
    filtered = client.get("/staff/training/intents/greet", params={"examples": "fi", "q": "huomenta"})
    assert "hyvää huomenta" in filtered.text and ">moro<" not in filtered.text


def test_add_then_a_duplicate_is_refused_naming_the_intent(client, editor):
    response = client.post(
        "/staff/training/intents/greet/add?lang=fi",
        data={"csrf_token": editor, "example_lang": "fi", "text": "heippa kaikki täällä"},
    )
    assert response.status_code == 303 and "done=added" in response.headers["location"]
    assert data(client).examples("greet", "fi")[-1].text == "heippa kaikki täällä"
    refused = client.post(
        "/staff/training/intents/thank/add?lang=fi",
        data={"csrf_token": editor, "example_lang": "fi", "text": "Heippa kaikki täällä"},
    )
    assert refused.status_code == 400
    assert (
        'Sama esimerkki on jo aiheessa <a href="/staff/training/intents/greet?lang=fi&amp;examples=fi">Tervehdys</a>.'
        in refused.text
    )
    assert 'href="/staff/training/intents/greet?lang=fi&amp;examples=fi"' in refused.text


def test_a_near_duplicate_is_shown_and_added_only_when_confirmed(client, editor):
    form = {"csrf_token": editor, "example_lang": "fi", "text": "Hyvää päivää!!"}
    warned = client.post("/staff/training/intents/thank/add?lang=fi", data=form)
    assert warned.status_code == 200 and 'data-testid="near-duplicates"' in warned.text
    assert "hyvaa paivaa" in warned.text and data(client).history() == []
    confirmed = client.post("/staff/training/intents/thank/add?lang=fi", data={**form, "confirm": "1"})
    assert confirmed.status_code == 303
    assert data(client).examples("thank", "fi")[-1].text == "Hyvää päivää!!"


def test_bad_texts_are_refused_in_the_page_language(client, editor):
    for text, message in (("   ", "Skriv ett exempel först."), ("x" * 301, "Exemplet är för långt.")):
        response = client.post(
            "/staff/training/intents/greet/add?lang=sv", data={"csrf_token": editor, "example_lang": "fi", "text": text}
        )
        assert response.status_code == 400 and message in response.text
    choose = client.post(
        "/staff/training/intents/choose/add?lang=en",
        data={"csrf_token": editor, "example_lang": "fi", "text": "jotain"},
    )
    assert choose.status_code == 400


def test_edit_delete_and_revert_through_the_forms(client, editor):
    edited = client.post(
        "/staff/training/intents/greet/edit?lang=fi",
        data={"csrf_token": editor, "example_lang": "fi", "old_text": "moro", "text": "moro moro"},
    )
    assert edited.status_code == 303
    deleted = client.post(
        "/staff/training/intents/greet/delete?lang=fi",
        data={"csrf_token": editor, "example_lang": "fi", "old_text": "terve"},
    )
    assert deleted.status_code == 303
    texts = [e.text for e in data(client).examples("greet", "fi")]
    assert "moro moro" in texts and "moro" not in texts and "terve" not in texts
    history = client.get("/staff/training/history?lang=fi&editor=eero")
    assert history.status_code == 200 and "moro moro" in history.text and "Poisti" in history.text
    change = data(client).history()[0].id
    csrf = csrf_of(history.text)
    reverted = client.post(f"/staff/training/history/{change}/revert?lang=fi", data={"csrf_token": csrf})
    assert reverted.status_code == 303 and "done=reverted" in reverted.headers["location"]
    assert "terve" in [e.text for e in data(client).examples("greet", "fi")]
    again = client.post(f"/staff/training/history/{change}/revert?lang=fi", data={"csrf_token": csrf})
    assert again.status_code == 400 and "Muutos on jo peruttu." in again.text
    by_intent = client.get("/staff/training/history", params={"intent": "thank"})
    assert 'data-testid="history"' not in by_intent.text


def test_forms_need_the_csrf_token(client, editor):
    response = client.post(
        "/staff/training/intents/greet/add?lang=fi",
        data={"csrf_token": "wrong", "example_lang": "fi", "text": "hei hei"},
    )
    assert response.status_code == 403 and data(client).history() == []


def test_export_zip_has_nlu_datas_layout_with_the_changes(client, editor):
    data(client).add("greet", "sv", "hejsan alla ni där borta", "eero")
    response = client.get("/staff/training/export.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"nlu_data/fi/general.yml", "nlu_data/sv/lookups.yml", "nlu_data/common/regex.yml"} <= names
    general = yaml.safe_load(archive.read("nlu_data/sv/general.yml"))
    greet = next(item for item in general["nlu"] if item.get("intent") == "greet")
    assert "- hejsan alla ni där borta" in greet["examples"]


def test_a_new_topic_of_the_catalogue_is_listed_at_once_and_a_removed_one_is_set_apart(client, editor):
    # Published through the editors' workspace: a new service with its intent, and the passport no topic of its own.
    workspace = client.app.state.catalogue_workspace
    first = dict(workspace.entries("service")[0])
    workspace.save_draft(
        "service",
        "test_municipal",
        dict(first, id="test_municipal", intent="service_test_municipal", verified=False),
        "eero",
    )
    passport = dict(workspace.entry("service", "passport"))
    passport.pop("intent")
    workspace.save_draft("service", "passport", passport, "eero")
    workspace.publish("eero")
    client.app.state.catalogue_live.check_seconds = 0  # the next request serves what was just published
    page = client.get("/staff/training/intents?lang=fi")
    assert page.status_code == 200 and "service_test_municipal" in page.text
    retired = page.text.split('data-testid="intents-retired"', 1)[1]
    assert "service_passport" in retired and "service_test_municipal" not in retired
    # The new topic takes examples at once; the removed one's page shows its examples but takes no new ones.
    added = client.post(
        "/staff/training/intents/service_test_municipal/add?lang=fi",
        data={"csrf_token": editor, "example_lang": "fi", "text": "testikunnan oma palvelu"},
    )
    assert added.status_code == 303
    gone = client.get("/staff/training/intents/service_passport?lang=fi")
    assert gone.status_code == 200 and 'data-testid="retired-notice"' in gone.text
    refused = client.post(
        "/staff/training/intents/service_passport/add?lang=fi",
        data={"csrf_token": editor, "example_lang": "fi", "text": "passi testikunnassa"},
    )
    assert refused.status_code == 400
