"""actions.services: one engine for everything the action server stores, built on first use only."""

import copy
import datetime as dt
import json
import subprocess
import sys

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from actions import services
from booking.client import BookingClient
from store.catalogue_changes import CatalogueChange
from store.rows import HELSINKI, now_db

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=HELSINKI)


def test_every_store_shares_one_engine_on_the_app_database(app_db):
    engine = services.engine()
    assert str(engine.url) == app_db
    assert services.engine() is engine
    client = services.booking_client()
    assert isinstance(client, BookingClient) and client is services.booking_client()
    for built in (client, services.case_store(), services.event_log(), services.contact_vault()):
        assert built.engine is engine
    assert {"handoff_cases", "bookings", "service_events", "contact_vault"} <= set(inspect(engine).get_table_names())
    assert client.free_slots("phone", "families", "fi", now=NOW, limit=1)


def test_reset_builds_on_the_new_database(app_db, tmp_path, monkeypatch):
    first, catalogue = services.engine(), services.catalogue()
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    services.reset(database_only=True)
    assert services.engine() is not first and str(services.engine().url).endswith("other.db")
    # Neither database has a published change: both serve the repository's catalogue, read once.
    assert services.catalogue() is catalogue


def publish(service_id: str, name: str) -> None:
    workspace = services.catalogue_workspace()
    entry = copy.deepcopy(workspace.entry("service", service_id))
    entry["name"]["sv"] = name
    workspace.save_draft("service", service_id, entry, "test_editor")
    workspace.publish("test_editor")


def test_a_publish_reaches_the_next_call_and_what_is_built_from_the_catalogue_follows(app_db, monkeypatch):
    monkeypatch.setenv("CATALOGUE_CHECK_SECONDS", "0")
    before, config, log, client = (
        services.catalogue(),
        services.booking_config(),
        services.event_log(),
        services.booking_client(),
    )
    assert services.booking_config() is config and services.event_log() is log
    publish("housing_allowance", "Bostadsbidrag (test)")
    after = services.catalogue()
    assert after is not before and after.services["housing_allowance"]["name"]["sv"] == "Bostadsbidrag (test)"
    assert services.booking_config() is not config and services.event_log() is not log
    assert services.booking_client() is not client and services.booking_client().engine is services.engine()
    assert services.live_catalogue().error is None


def test_a_broken_publish_keeps_the_old_catalogue_serving(app_db, monkeypatch):
    monkeypatch.setenv("CATALOGUE_CHECK_SECONDS", "0")
    publish("housing_allowance", "Bostadsbidrag (test)")
    serving = services.catalogue()
    # A row written past the workspace's checks: a service of an authority that does not exist.
    broken = copy.deepcopy(serving.services["housing_allowance"]) | {"authority": "test_nobody"}
    with Session(services.engine()) as session:
        session.add(
            CatalogueChange(
                at=now_db(),
                editor="test_editor",
                kind="service",
                key="housing_allowance",
                op="put",
                before=json.dumps(serving.services["housing_allowance"]),
                after=json.dumps(broken),
                state="published",
                published_at=now_db(),
                published_by="test_editor",
                source="editor",
            )
        )
        session.commit()
    assert services.catalogue() is serving
    assert services.catalogue().services["housing_allowance"]["authority"] == "kela"
    live = services.live_catalogue()
    assert [(p.entry, p.code) for p in live.error] == [("housing_allowance", "unknown_authority")]
    assert "unknown authority 'test_nobody'" in live.error_text


def test_importing_the_actions_builds_nothing(tmp_path):
    database = tmp_path / "never.db"
    code = (
        "import actions.booking, actions.booking_manage, actions.feedback, actions.handoff, "
        "actions.point_info, actions.topics, actions.services as s, bot.channels; assert not s._built"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={"APP_DATABASE_URL": f"sqlite:///{database}", "PATH": ""}
    )
    assert not database.exists()


def test_importing_the_actions_redacts_every_log_record_of_the_process():
    code = (
        "import logging, sys, actions.booking; "
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO, format='%(message)s'); "
        "logging.getLogger('rasa_sdk.executor').info('got %s from %s', '040 123 4567', 'hetu:131052-308T')"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "got <PHONE_NUMBER> from hetu:<ID_CODE>"
