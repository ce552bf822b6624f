"""Service events (apudiaari) the assistant records: forms handed out and bookings, no personal data."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Tracker

from actions.common import point_and_channel
from store.cases import database_url, make_engine
from store.events import CATEGORIES, EventLog


@lru_cache(maxsize=1)
def event_log() -> EventLog:
    """The service event log (apudiaari) in the app database."""
    return EventLog(make_engine(database_url()))


def record(tracker: Tracker, event_type: str, authority: str, language: str, service: str | None = None) -> None:
    """One event of this conversation's point and channel, in the category of its type."""
    point, channel = point_and_channel(tracker)
    event_log().record(
        event_type=event_type,
        authority=authority,
        category=CATEGORIES[event_type],
        channel=channel,
        language=language,
        point_id=point,
        service=service,
    )
