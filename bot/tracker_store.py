"""Rasa's SQL tracker store with its statements built once (issue 16).

bot/endpoints*.yml name it instead of `type: SQL`. It is Rasa's `SQLTrackerStore`: the same `events`
table, rows and session rule (a tracker holds the events since the conversation's latest
`session_started`), the same settings. Rasa 3.6 builds an ORM query with a session-start sub-query
twice for every message (to load the tracker, then to count the stored events before saving) and adds
each new event through the ORM's unit of work: 30 % of a Rasa instance's CPU at saturation in
bench/load.py's profile. Here both queries are SQLAlchemy Core statements built once (SQLAlchemy caches
their compiled SQL) and the new events go in one executemany: a 4-turn conversation on PostgreSQL took
6.1-6.9 ms of CPU per turn in Rasa's store and 3.0 here.

The calls stay on Rasa's event loop, as Rasa's own do. In worker threads the loop would not wait for
the database's round trips, but the handing over of Python's GIL cost more than that: a Rasa instance
used 20-23 ms of CPU per message at saturation with the calls on the loop and 24-28 ms with them in
threads (bench/load.py's scaled profile, one instance, two runs of each).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa  # type: ignore[import-untyped]  # Rasa's SQLAlchemy 1.4 has no type information
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

SENDER = "sender_id"


class SQLTrackerStore(RasaSQLTrackerStore):
    """Rasa's SQLTrackerStore, loading and saving with once-built Core statements."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rasa checks its PostgreSQL schema setting at every session; once at start-up is enough.
        with self.session_scope():
            pass
        events = self.SQLEvent.__table__
        sender = events.c.sender_id == sa.bindparam(SENDER)
        # Rasa's rule: the events from the latest session start on, or all of them before the first one.
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        latest = sa.and_(sender, sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
        self._latest_events = sa.select(events.c.data).where(latest).order_by(events.c.id)
        self._all_events = sa.select(events.c.data).where(sender).order_by(events.c.id)
        self._stored_latest = sa.select(sa.func.count()).select_from(events).where(latest)
        self._insert = events.insert()

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """The tracker of the latest session (or of all), None when the conversation has no events."""
        query = self._all_events if fetch_events_from_all_sessions else self._latest_events
        return self._load(sender_id, query)

    def _load(self, sender_id: str, query: sa.sql.Select) -> DialogueStateTracker | None:
        with self.engine.connect() as connection:
            rows = connection.execute(query, {SENDER: sender_id}).scalars().all()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(row) for row in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the database does not have yet, in one transaction."""
        await self.stream_events(tracker)
        self._store(tracker.sender_id, tracker.events)

    def _store(self, sender_id: str, events: Iterable[Event]) -> None:
        with self.engine.begin() as connection:
            stored = connection.execute(self._stored_latest, {SENDER: sender_id}).scalar_one()
            rows = [self._row(sender_id, event) for event in itertools.islice(events, stored, None)]
            if rows:
                connection.execute(self._insert, rows)

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        """An event as Rasa's SQLTrackerStore writes it."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
