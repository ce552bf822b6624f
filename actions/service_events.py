"""Service events (apudiaari) the assistant records: forms handed out and bookings, no personal data."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions import services
from actions.common import point_and_channel
from store.events import CATEGORIES


def record(tracker: Tracker, event_type: str, authority: str, language: str, service: str | None = None) -> None:
    """One event of this conversation's point and channel, in the category of its type."""
    point, channel = point_and_channel(tracker)
    services.event_log().record(
        event_type=event_type,
        authority=authority,
        category=CATEGORIES[event_type],
        channel=channel,
        language=language,
        point_id=point,
        service=service,
    )
