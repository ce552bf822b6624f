"""actions.services: one engine for everything the action server stores, built on first use only."""

import datetime as dt
import subprocess
import sys

from sqlalchemy import inspect

from actions import services
from booking.client import BookingClient
from store.rows import HELSINKI

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


def test_reset_builds_on_the_new_database_and_keeps_what_files_gave(app_db, tmp_path, monkeypatch):
    first, catalogue = services.engine(), services.catalogue()
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    services.reset(database_only=True)
    assert services.engine() is not first and str(services.engine().url).endswith("other.db")
    assert services.catalogue() is catalogue
    services.reset()
    assert services.catalogue() is not catalogue


def test_importing_the_actions_builds_nothing(tmp_path):
    database = tmp_path / "never.db"
    code = (
        "import actions.booking, actions.booking_manage, actions.feedback, actions.handoff, actions.language, "
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
