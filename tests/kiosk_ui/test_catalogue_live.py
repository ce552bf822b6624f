"""A publish reaches the web app's next request with no restart; a catalogue that fails to load never serves."""

import copy
import json

import pytest
from sqlalchemy.orm import Session

from store.catalogue_changes import CatalogueChange
from store.rows import now_db
from tests.kiosk_ui.conftest import make_client


@pytest.fixture
def live_client(tmp_path, rasa, monkeypatch):
    monkeypatch.setenv("CATALOGUE_CHECK_SECONDS", "0")
    with make_client(tmp_path, rasa) as client:
        yield client


def publish_form_name(client, name: str) -> None:
    workspace = client.app.state.catalogue_workspace
    form = copy.deepcopy(workspace.entry("form", "AT 1"))
    form["name"]["sv"] = name
    workspace.save_draft("form", "AT 1", form, "test_editor")
    workspace.publish("test_editor")


def test_a_published_change_shows_on_the_next_request_and_what_is_built_follows(live_client):
    config, script = live_client.app.state.booking_config, live_client.app.state.widget_script
    publish_form_name(live_client, "Ansökan – Allmänt bostadsbidrag (test)")
    assert "Ansökan – Allmänt bostadsbidrag (test)" in live_client.get("/print/form/AT%201?lang=sv").text
    state = live_client.app.state
    assert state.catalogue.forms["AT 1"]["name"]["sv"] == "Ansökan – Allmänt bostadsbidrag (test)"
    assert state.booking_config is not config and state.booking_client.config is state.booking_config
    assert state.widget_script == script  # the same texts: the rebuilt script equals the old one


def test_a_catalogue_that_fails_to_load_keeps_the_old_one_serving(live_client):
    publish_form_name(live_client, "Ansökan (test)")
    assert "Ansökan (test)" in live_client.get("/print/form/AT%201?lang=sv").text
    form = live_client.app.state.catalogue_workspace.entry("form", "AT 1")
    with Session(live_client.app.state.db_engine) as session:
        session.add(
            CatalogueChange(
                at=now_db(),
                editor="test_editor",
                kind="form",
                key="AT 1",
                op="put",
                before=json.dumps(form),
                after=json.dumps(form | {"authority": "test_nobody", "name": form["name"] | {"sv": "Trasig"}}),
                state="published",
                published_at=now_db(),
                published_by="test_editor",
                source="editor",
            )
        )
        session.commit()
    page = live_client.get("/print/form/AT%201?lang=sv")
    assert page.status_code == 200 and "Ansökan (test)" in page.text and "Trasig" not in page.text
    live = live_client.app.state.catalogue_live
    assert [(p.entry, p.code) for p in live.error] == [("AT 1", "unknown_authority")]
