"""Retention: personal data is deleted when its time is up (issue 12; docs/data-inventory.md lists what and when).

- conversations in Rasa's SQL tracker store whose last event is older than `conversation_days`;
- expired contact vault entries (privacy.vault);
- editors' inbox decisions and low-rated conversation ids older than `inbox_days`;
- takeover chat lines (customer and advisor text) of resolved cases, and of any case after `takeover_days`;
- phone numbers of bookings whose appointment ended `booking_phone_days` ago;
- expired staff sessions, quiet login throttle keys and unused login device cookies.

The web app runs it at start-up and then every `retention_interval_seconds` (kiosk_ui.app.lifespan);
`python -m store.retention` runs it once from the environment's settings (cron, or by hand).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import delete, func, inspect, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.inbox import InboxDecision, LowRatedConversation
from store.login_throttle import LoginDevice, LoginThrottle
from store.models import BookingRow, CaseChange, HandoffCase, StaffSession
from store.rows import UTC, rowcount, to_db

log = logging.getLogger(__name__)

DEFAULT_TRACKER_URL = "sqlite:///var/tracker.db"
# Conversations deleted per transaction: a big first run does not hold the tracker store's lock for long.
BATCH = 500
# Rasa's SQLTrackerStore keeps one row per event: `sender_id` is the conversation, `timestamp` Unix seconds
# (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent). Only these two columns are needed here.
EVENTS = sa.table("events", sa.column("sender_id", sa.String), sa.column("timestamp", sa.Float))


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of personal data is kept; the defaults are the web settings' defaults."""

    conversation_days: int = 30
    inbox_days: int = 90
    takeover_days: int = 7
    booking_phone_days: int = 30
    login_forget_hours: float = 24.0
    login_device_days: int = 90

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str] = os.environ) -> RetentionPolicy:
        """The policy from the same environment variables the web app's settings read."""
        names = {
            "conversation_days": "CONVERSATION_RETENTION_DAYS",
            "inbox_days": "INBOX_RETENTION_DAYS",
            "takeover_days": "TAKEOVER_RETENTION_DAYS",
            "booking_phone_days": "BOOKING_PHONE_RETENTION_DAYS",
            "login_forget_hours": "STAFF_LOGIN_FORGET_HOURS",
            "login_device_days": "STAFF_LOGIN_DEVICE_DAYS",
        }
        values: dict[str, float | int] = {}
        for field in dataclasses.fields(cls):
            raw = environ.get(names[field.name])
            if raw:
                value = float(raw) if field.type == "float" else int(raw)
                if value <= 0:
                    raise ValueError(f"{names[field.name]} must be positive, not {raw!r}")
                values[field.name] = value
        return cls(**values)  # type: ignore[arg-type]  # each value has its field's type (checked above)


def purge_conversations(tracker_url: str, days: int, now: dt.datetime | None = None) -> int:
    """Delete every conversation of the tracker store whose last event is older than `days`; how many."""
    if tracker_url.startswith("sqlite:///") and not Path(tracker_url[len("sqlite:///") :]).exists():
        return 0  # no conversation yet; never create the file Rasa will make
    cutoff = ((now or dt.datetime.now(UTC)) - dt.timedelta(days=days)).timestamp()
    engine = sa.create_engine(tracker_url)
    removed = 0
    try:
        if not inspect(engine).has_table("events"):
            return 0
        old = (
            select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(func.max(EVENTS.c.timestamp) < cutoff)
            .limit(BATCH)
        )
        while True:
            with engine.begin() as connection:
                senders = list(connection.execute(old).scalars())
                if not senders:
                    return removed
                connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(senders)))
            removed += len(senders)
    finally:
        engine.dispose()


def purge_vault(engine: Engine, now: dt.datetime | None = None) -> int:
    """Delete expired phone numbers of the contact vault; how many."""
    from privacy.vault import ContactVault  # privacy builds on store, not the other way round

    return ContactVault(engine).purge_expired(now)


def purge_inbox(engine: Engine, days: int, now: dt.datetime | None = None) -> int:
    """Delete editors' decisions and low-rated conversation ids older than the inbox's retention (as
    training.inbox.Inbox.purge, which the inbox page also runs); how many rows."""
    cutoff = to_db((now or dt.datetime.now(UTC)) - dt.timedelta(days=days))
    with Session(engine) as session, session.begin():
        decisions = session.execute(delete(InboxDecision).where(InboxDecision.decided_at < cutoff))
        rated = session.execute(delete(LowRatedConversation).where(LowRatedConversation.rated_at < cutoff))
        return rowcount(decisions) + rowcount(rated)


def wipe_takeover_lines(engine: Engine, days: int, now: dt.datetime | None = None) -> int:
    """Blank the text of takeover chat lines of resolved cases and of lines older than `days`; how many.

    Resolving a case already blanks its lines (store.cases); this catches cases nobody resolved.
    The lines stay (without text) because the feeds count on the case's changes in order.
    """
    cutoff = (now or dt.datetime.now(UTC)) - dt.timedelta(days=days)  # aware: the column keeps a time zone
    resolved = select(HandoffCase.id).where(HandoffCase.status == "resolved")
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(CaseChange)
            .where(
                CaseChange.kind == "message",
                CaseChange.text.is_not(None),
                or_(CaseChange.at < cutoff, CaseChange.case_id.in_(resolved)),
            )
            .values(text=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)


def wipe_booking_phones(engine: Engine, days: int, now: dt.datetime | None = None) -> int:
    """Remove the phone number of bookings whose appointment ended more than `days` ago; how many."""
    cutoff = to_db((now or dt.datetime.now(UTC)) - dt.timedelta(days=days))
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(BookingRow)
            .where(BookingRow.phone.is_not(None), BookingRow.end_at < cutoff)
            .values(phone=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)


def purge_staff_sessions(engine: Engine, now: dt.datetime | None = None) -> int:
    """Delete expired staff sessions; how many."""
    moment = to_db(now or dt.datetime.now(UTC))
    with Session(engine) as session, session.begin():
        return rowcount(session.execute(delete(StaffSession).where(StaffSession.expires_at < moment)))


def purge_login_throttle(engine: Engine, forget_hours: float, device_days: int, now: dt.datetime | None = None) -> int:
    """Delete throttle keys quiet for `forget_hours` and login devices unused for `device_days` (the rule of
    store.login_throttle.LoginThrottleStore, which forgets them the same way); how many."""
    moment = to_db(now or dt.datetime.now(UTC))
    with Session(engine) as session, session.begin():
        keys = session.execute(
            delete(LoginThrottle).where(LoginThrottle.last_failure_at < moment - dt.timedelta(hours=forget_hours))
        )
        devices = session.execute(
            delete(LoginDevice).where(LoginDevice.last_used_at < moment - dt.timedelta(days=device_days))
        )
        return rowcount(keys) + rowcount(devices)


def run(engine: Engine, tracker_url: str, policy: RetentionPolicy, now: dt.datetime | None = None) -> dict[str, int]:
    """Every deletion once, each on its own: one that fails is logged and the others still run. Counts by kind
    (-1 for one that failed)."""
    steps = {
        "conversations": lambda: purge_conversations(tracker_url, policy.conversation_days, now),
        "vault_entries": lambda: purge_vault(engine, now),
        "inbox_rows": lambda: purge_inbox(engine, policy.inbox_days, now),
        "takeover_lines": lambda: wipe_takeover_lines(engine, policy.takeover_days, now),
        "booking_phones": lambda: wipe_booking_phones(engine, policy.booking_phone_days, now),
        "staff_sessions": lambda: purge_staff_sessions(engine, now),
        "login_throttle_rows": lambda: purge_login_throttle(
            engine, policy.login_forget_hours, policy.login_device_days, now
        ),
    }
    counts = {}
    for name, step in steps.items():
        try:
            counts[name] = step()
        except Exception:
            log.exception("retention: deleting %s failed", name.replace("_", " "))
            counts[name] = -1
    log.info("retention: %s", ", ".join(f"{name} {count}" for name, count in counts.items()))
    return counts


class RetentionJob:
    """Retention now and then every `interval_seconds`, in a worker thread so the event loop stays free; it
    logs and goes on whatever happens. `ran` is set after each run (tests wait on it)."""

    def __init__(self, engine: Engine, tracker_url: str, policy: RetentionPolicy, interval_seconds: float):
        self.engine = engine
        self.tracker_url = tracker_url
        self.policy = policy
        self.interval_seconds = interval_seconds
        self.runs = 0
        self.last: dict[str, int] | None = None
        self.ran = threading.Event()

    async def run_forever(self) -> None:
        """Run until cancelled."""
        while True:
            try:
                self.last = await asyncio.to_thread(run, self.engine, self.tracker_url, self.policy)
            except Exception:  # run() guards each step; this is for anything else, so the app goes on
                log.exception("retention: the run failed")
            self.runs += 1
            self.ran.set()
            await asyncio.sleep(self.interval_seconds)


def main(argv: list[str] | None = None) -> int:
    """Run retention once: APP_DATABASE_URL, TRACKER_STORE_URL and the *_RETENTION_DAYS variables."""
    from store.db import database_url, open_database

    parser = argparse.ArgumentParser(prog="python -m store.retention", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="the app database (default: APP_DATABASE_URL)")
    parser.add_argument(
        "--tracker-url",
        default=None,
        help=f"Rasa's tracker store (default: TRACKER_STORE_URL or {DEFAULT_TRACKER_URL})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    tracker_url = args.tracker_url or os.environ.get("TRACKER_STORE_URL") or DEFAULT_TRACKER_URL
    engine = open_database(args.url or database_url())
    try:
        counts = run(engine, tracker_url, RetentionPolicy.from_env())
    finally:
        engine.dispose()
    for name, count in counts.items():
        print(f"{name}: {count}")
    return 1 if any(count < 0 for count in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
