"""Case life cycle: claim, forward, take over, messages, resolve, the feed and who is on duty."""

import datetime as dt

import pytest

from store.cases import CaseConflict, CaseStore
from store.db import StaleSchema, open_database

FIELDS = {
    "point_id": "p",
    "conversation_id": "conv-1",
    "language": "fi",
    "channel": "kiosk",
    "reason": "customer_request",
}


@pytest.fixture
def store(tmp_path):
    return CaseStore(f"sqlite:///{tmp_path}/app.db")


def test_claim_only_once_and_queue_position(store):
    first = store.create_case(**FIELDS)
    second = store.create_case(**dict(FIELDS, conversation_id="conv-2"))
    assert store.ahead_of(second) == 1
    store.claim(first["id"], "anna")
    assert store.ahead_of(second) == 0
    with pytest.raises(CaseConflict) as exc:
        store.claim(first["id"], "bertil")
    assert exc.value.code == "case_claimed"
    assert store.get(first["id"])["assignee"] == "anna"


def test_takeover_messages_and_resolve_wipes_transcript(store):
    case = store.create_case(**FIELDS)
    start = store.last_change_id("p")
    store.take_over(case["id"], "anna")
    assert store.open_case_for("conv-1")["taken_over"] is True
    store.add_message(case["id"], "customer", "Hei, tarvitsen apua")
    store.add_message(case["id"], "anna", "Tulen heti")
    store.hand_back(case["id"], "anna")
    done = store.resolve(case["id"], "anna", "helped", authority="kela", category="advice")
    assert done["status"] == "resolved" and done["taken_over"] is False and done["outcome"] == "helped"
    assert (done["authority"], done["category"]) == ("kela", "advice")
    kinds = [c["kind"] for c in store.changes_after(start, point_id="p")]
    assert kinds == ["taken_over", "message", "message", "handed_back", "resolved"]
    assert all(c["text"] is None for c in store.changes_after(0, case_id=case["id"]) if c["kind"] == "message")
    assert store.open_case_for("conv-1") is None
    with pytest.raises(CaseConflict):
        store.add_message(case["id"], "customer", "late")


def test_forward_and_unknown_case(store):
    case = store.create_case(**FIELDS)
    store.claim(case["id"], "anna")
    assert store.forward(case["id"], "anna", "bertil")["assignee"] == "bertil"
    with pytest.raises(CaseConflict) as exc:
        store.claim(9999, "anna")
    assert exc.value.code == "unknown_case"


def test_on_duty_window(store):
    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    store.mark_present("anna", "p", now=now)
    assert store.on_duty("p", now=now + dt.timedelta(seconds=30)) == ["anna"]
    assert store.on_duty("p", now=now + dt.timedelta(seconds=90)) == []
    assert store.on_duty("other", now=now) == []


def test_cases_survive_a_new_engine(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    case = CaseStore(url).create_case(**FIELDS)
    assert CaseStore(url).get(case["id"])["ticket"] == case["ticket"]


def test_stale_schema_fails_loudly(tmp_path):
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE handoff_cases (id INTEGER PRIMARY KEY, ticket TEXT)")
    with pytest.raises(StaleSchema, match="handoff_cases lacks columns"):
        open_database(f"sqlite:///{db}")
