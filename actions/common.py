"""What every action needs: the customer's language, the message metadata, the point and channel."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from service_catalogue.loader import LANGUAGES

DEFAULT_LANGUAGE = "fi"
CHANNELS = ("kiosk", "web")
_POINT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def language_of(tracker: Tracker) -> str:
    """The conversation's language (the `language` slot), Finnish when unset."""
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def metadata_of(tracker: Tracker) -> dict[str, Any]:
    """Metadata the channel attached to the latest user message."""
    return (tracker.latest_message or {}).get("metadata") or {}


def recent_metadata(tracker: Tracker, key: str) -> Any:
    """A metadata value from the latest user message that has it (the channel, the point)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and (event.get("metadata") or {}).get(key):
            return event["metadata"][key]
    return None


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the latest user message."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of one entity in the latest user message, in order."""
    return [
        str(e.get("value"))
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == entity and e.get("value") is not None
    ]


def tell_if_redacted(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Tell the customer we removed personal data they typed and do not need it."""
    if metadata_of(tracker).get("redacted"):
        dispatcher.utter_message(response="utter_personal_data")


def point_and_channel(tracker: Tracker) -> tuple[str, str]:
    """The point and channel the conversation came from, checked; the catalogue's point by default."""
    point, channel = recent_metadata(tracker, "point"), recent_metadata(tracker, "channel")
    return (
        point if _POINT_ID.match(str(point)) else services.catalogue().point["id"],
        channel if channel in CHANNELS else "web",
    )
