"""Retention on a real Rasa SQLTrackerStore (Rasa's own classes) and the app database: old personal data goes,
everything newer stays."""

import asyncio
import datetime as dt
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session

from privacy.vault import ContactVault
from store import retention
from store.cases import CaseStore
from store.db import open_database
from store.inbox import InboxDecision, LowRatedConversation
from store.login_throttle import LoginDevice, LoginThrottle
from store.models import BookingRow, CaseChange, StaffAccount, StaffSession
from store.retention import RetentionPolicy
from store.rows import to_db

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _conversation(store: SQLTrackerStore, sender: str, last: dt.datetime) -> None:
    """A short conversation whose events end at `last`, saved through Rasa's tracker store."""
    tracker = DialogueStateTracker(sender, slots=[])
    start = (last - dt.timedelta(minutes=5)).timestamp()
    tracker.update(ActionExecuted("action_listen", timestamp=start))
    tracker.update(UserUttered("Hei", {"name": "greet", "confidence": 1.0}, timestamp=start + 1))
    tracker.update(BotUttered("Hei! Miten voin auttaa?", timestamp=last.timestamp()))
    asyncio.run(store.save(tracker))


def _senders(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {sender for (sender,) in conn.execute("SELECT DISTINCT sender_id FROM events")}


@pytest.fixture
def tracker_db(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    _conversation(store, "old-1", NOW - 45 * DAY)
    _conversation(store, "old-2", NOW - 31 * DAY)
    _conversation(store, "recent", NOW - 29 * DAY)
    _conversation(store, "today", NOW - dt.timedelta(minutes=1))
    # A conversation that began long ago but went on recently is kept whole.
    tracker = DialogueStateTracker("long", slots=[])
    tracker.update(UserUttered("Moi", {"name": "greet", "confidence": 1.0}, timestamp=(NOW - 60 * DAY).timestamp()))
    tracker.update(UserUttered("Kiitos", {"name": "thanks", "confidence": 1.0}, timestamp=(NOW - DAY).timestamp()))
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    return path


def test_old_conversations_leave_the_tracker_store(tracker_db):
    removed = retention.purge_conversations(f"sqlite:///{tracker_db}", 30, now=NOW)
    assert removed == 2
    assert _senders(tracker_db) == {"recent", "today", "long"}
    # Rasa still reads what is left, every event of it.
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    long = asyncio.run(store.retrieve("long"))
    assert [e.text for e in long.events if isinstance(e, UserUttered)] == ["Moi", "Kiitos"]
    assert asyncio.run(store.retrieve("old-1")) is None
    store.engine.dispose()


def test_many_old_conversations_go_in_batches(tmp_path, monkeypatch):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    for number in range(7):
        _conversation(store, f"old-{number}", NOW - 40 * DAY)
    _conversation(store, "new", NOW)
    store.engine.dispose()
    monkeypatch.setattr(retention, "BATCH", 3)
    assert retention.purge_conversations(f"sqlite:///{path}", 30, now=NOW) == 7
    assert _senders(path) == {"new"}


def test_a_missing_tracker_store_is_not_created(tmp_path):
    assert retention.purge_conversations(f"sqlite:///{tmp_path}/none.db", 30, now=NOW) == 0
    assert not (tmp_path / "none.db").exists()


@pytest.fixture
def engine(tmp_path):
    return open_database(f"sqlite:///{tmp_path}/app.db")


def test_every_kind_of_personal_data_expires_and_newer_stays(engine, tracker_db):
    # Contact vault: one number typed an hour ago, one a minute ago.
    vault = ContactVault(engine)
    vault.put("conv-new", "0507654321", now=NOW - dt.timedelta(minutes=1))
    vault.put("conv-old", "0401234567", now=NOW - dt.timedelta(hours=1))
    # Takeover lines: a case nobody resolved ten days ago, and one open now.
    cases = CaseStore(engine=engine)
    fields = {"point_id": "p", "language": "fi", "channel": "kiosk", "reason": "customer_request"}
    stale = cases.create_case(conversation_id="c1", **fields, now=NOW - 10 * DAY)
    current = cases.create_case(conversation_id="c2", **fields, now=NOW - dt.timedelta(minutes=5))
    with Session(engine) as session, session.begin():
        for case, when, text in ((stale, NOW - 10 * DAY, "Hei"), (current, NOW, "Moi")):
            session.add(
                CaseChange(case_id=case["id"], point_id="p", at=when, kind="message", actor="customer", text=text)
            )
    # Inbox rows, bookings, sessions, throttle rows: one old and one new of each.
    with Session(engine) as session, session.begin():
        for when, key in ((NOW - 100 * DAY, "old"), (NOW - DAY, "new")):
            session.add(
                InboxDecision(
                    message_key=key * 8,
                    text="moi",
                    language="fi",
                    action="discard",
                    decided_by="anna",
                    decided_at=to_db(when),
                )
            )
            session.add(LowRatedConversation(conversation_id=f"rated-{key}", rated_at=to_db(when)))
            session.add(
                LoginThrottle(key=f"user:{key}", failures=3, first_failure_at=to_db(when), last_failure_at=to_db(when))
            )
            session.add(
                LoginDevice(token_hash=key * 8, username="anna", created_at=to_db(when), last_used_at=to_db(when))
            )
            session.add(
                BookingRow(
                    reference=f"{key.upper():X<8}",
                    kind="phone",
                    topic="housing",
                    language="fi",
                    calendar="kela-fi",
                    start_at=to_db(when),
                    end_at=to_db(when + dt.timedelta(minutes=30)),
                    point_id="p",
                    channel="kiosk",
                    phone="0401234567",
                    created_at=to_db(when - DAY),
                )
            )
    with Session(engine) as session, session.begin():
        account = StaffAccount(username="anna", password_hash="x", role="advisor", created_at=to_db(NOW - 9 * DAY))
        session.add(account)
        session.flush()
        for token, start in (("e", NOW - DAY), ("f", NOW - dt.timedelta(hours=1))):  # 8 h each: one has expired
            session.add(
                StaffSession(
                    token_hash=token * 64,
                    account_id=account.id,
                    csrf_token=token * 64,
                    created_at=to_db(start),
                    expires_at=to_db(start + dt.timedelta(hours=8)),
                )
            )

    counts = retention.run(engine, f"sqlite:///{tracker_db}", RetentionPolicy(), now=NOW)

    assert counts == {
        "conversations": 2,
        "vault_entries": 1,
        "inbox_rows": 2,
        "takeover_lines": 1,
        "booking_phones": 1,
        "staff_sessions": 1,
        "login_throttle_rows": 1 + 1,
    }
    assert vault.peek("conv-new", now=NOW) == "0507654321"
    with Session(engine) as session:
        lines = {c.case_id: c.text for c in session.query(CaseChange).filter(CaseChange.kind == "message")}
        assert lines == {stale["id"]: None, current["id"]: "Moi"}
        assert [d.message_key for d in session.query(InboxDecision)] == ["new" * 8]
        assert [r.conversation_id for r in session.query(LowRatedConversation)] == ["rated-new"]
        assert {b.reference: b.phone for b in session.query(BookingRow)} == {"OLDXXXXX": None, "NEWXXXXX": "0401234567"}
        assert [k.key for k in session.query(LoginThrottle)] == ["user:new"]
        assert [d.token_hash for d in session.query(LoginDevice)] == ["new" * 8]
        assert session.query(StaffSession).count() == 1
    # Nothing is left to do a second time.
    assert set(retention.run(engine, f"sqlite:///{tracker_db}", RetentionPolicy(), now=NOW).values()) == {0}


def test_one_failing_step_does_not_stop_the_others(engine, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("tracker store unreachable")

    monkeypatch.setattr(retention, "purge_conversations", broken)
    ContactVault(engine).put("conv", "0401234567", now=NOW - dt.timedelta(hours=1))
    counts = retention.run(engine, "sqlite:///unused.db", RetentionPolicy(), now=NOW)
    assert counts["conversations"] == -1 and counts["vault_entries"] == 1


def test_policy_from_the_environment():
    policy = RetentionPolicy.from_env({"CONVERSATION_RETENTION_DAYS": "7", "STAFF_LOGIN_FORGET_HOURS": "1.5"})
    assert (policy.conversation_days, policy.login_forget_hours, policy.inbox_days) == (7, 1.5, 90)
    with pytest.raises(ValueError, match="CONVERSATION_RETENTION_DAYS"):
        RetentionPolicy.from_env({"CONVERSATION_RETENTION_DAYS": "0"})


def test_command_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    now = dt.datetime.now(dt.UTC)
    _conversation(store, "old", now - 8 * DAY)
    _conversation(store, "new", now - 6 * DAY)
    store.engine.dispose()
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{tmp_path}/app.db")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    assert retention.main([]) == 0
    assert "conversations: 1" in capsys.readouterr().out
    assert _senders(path) == {"new"}
