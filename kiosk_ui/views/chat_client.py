"""The configuration the chat screens' scripts start with: the kiosk's page and the widget's bundle."""

from __future__ import annotations

from typing import Any

from booking.config import BookingConfig
from kiosk_ui.gateway import MAX_MESSAGE_CHARS
from privacy.redact import client_patterns
from service_catalogue.loader import Catalogue
from store.feedback import MAX_TEXT_CHARS

# Feedback after a case whose authority the advisor did not name goes to the point's operator (as the
# assistant's own feedback request does).
DEFAULT_FEEDBACK_AUTHORITY = "municipality"


def booking_names(config: BookingConfig) -> dict[str, dict[str, Any]]:
    """Names of booking kinds, topics and rooms for the booking slip (its dates come labelled in the payload)."""
    texts = config.texts
    return {
        "kinds": {kind: entry["name"] for kind, entry in texts["kinds"].items()},
        "topics": {topic["id"]: topic["name"] for topic in texts["topics"]},
        "rooms": {room.id: room.name for room in config.rooms},
    }


def feedback_config(cat: Catalogue) -> dict[str, Any]:
    """What the kiosk and the widget need for feedback: the authorities' names and the default one."""
    return {
        "authorities": {key: entry["name"] for key, entry in cat.authorities.items()},
        "defaultAuthority": DEFAULT_FEEDBACK_AUTHORITY,
        "maxChars": MAX_TEXT_CHARS,
    }


def client_config(cat: Catalogue, booking: BookingConfig, texts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What both chat screens need: the point, the message limit, their texts per language, booking
    names, feedback, and the server's masking patterns (the screens mask what they show the same way)."""
    return {
        "point": cat.point["id"],
        "pointName": cat.point["name"],
        "maxChars": MAX_MESSAGE_CHARS,
        "texts": texts,
        "booking": booking_names(booking),
        "feedback": feedback_config(cat),
        "redact": client_patterns(),
    }
