"""The web app runs retention in its lifespan: at start-up, in the background, without ever stopping the app."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

from sqlalchemy.orm import Session

from store.models import VaultEntry
from store.rows import to_db
from tests.kiosk_ui.conftest import make_client

NOW = dt.datetime.now(dt.UTC)


def _tracker(path, conversations: dict[str, dt.datetime]) -> None:
    """A tracker store in the schema of Rasa 3.6's SQLTrackerStore (rasa/core/tracker_store.py, SQLEvent)."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        for sender, last in conversations.items():
            conn.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')",
                (sender, last.timestamp()),
            )


def _senders(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {sender for (sender,) in conn.execute("SELECT DISTINCT sender_id FROM events")}


def test_the_app_deletes_old_personal_data_when_it_starts(tmp_path, rasa):
    tracker = tmp_path / "tracker.db"
    _tracker(tracker, {"old": NOW - dt.timedelta(days=31), "new": NOW - dt.timedelta(days=29)})
    client = make_client(tmp_path, rasa, conversation_retention_days=30)
    with Session(client.app.state.db_engine) as session, session.begin():
        session.add(VaultEntry(conversation_id="c", phone="0401234567", stored_at=to_db(NOW - dt.timedelta(hours=2))))
    with client:
        job = client.app.state.retention_job
        assert job.ran.wait(timeout=60)
    assert job.last["conversations"] == 1 and job.last["vault_entries"] == 1
    assert _senders(tracker) == {"new"}
    with Session(client.app.state.db_engine) as session:
        assert session.query(VaultEntry).count() == 0


def test_the_job_repeats_at_its_interval(tmp_path, rasa):
    client = make_client(tmp_path, rasa, retention_interval_seconds=1)
    with client:
        job = client.app.state.retention_job
        deadline = time.monotonic() + 60
        while job.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.runs >= 2


def test_a_failing_retention_run_never_stops_the_app(tmp_path, rasa):
    # A tracker store that cannot be reached: that step fails, the others run and the app still serves.
    client = make_client(tmp_path, rasa, tracker_store_url="postgresql://nobody@127.0.0.1:1/none")
    with client:
        job = client.app.state.retention_job
        assert job.ran.wait(timeout=60)
        assert job.last["conversations"] == -1 and job.last["vault_entries"] == 0
        assert client.get("/static/chat-core.js").status_code == 200


def test_the_job_can_be_turned_off(tmp_path, rasa):
    client = make_client(tmp_path, rasa)
    client.app.state.retention_job = False
    with client:
        assert client.get("/static/chat-core.js").status_code == 200
    assert client.app.state.retention_job is False
