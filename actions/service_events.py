"""Service events (apudiaari) the assistant records: forms shown and bookings, no personal data."""

from __future__ import annotations

from collections.abc import Iterable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.common import point_and_channel
from store.events import CATEGORIES


def record(
    tracker: Tracker,
    event_type: str,
    authority: str,
    language: str,
    service: str | None = None,
    *,
    actor: str,
) -> None:
    """One event of this conversation's point and channel, in the category of its type, done by `actor`."""
    point, channel = point_and_channel(tracker)
    services.event_log().record(
        event_type=event_type,
        actor=actor,
        authority=authority,
        category=CATEGORIES[event_type],
        channel=channel,
        language=language,
        point_id=point,
        service=service,
    )


def _form_codes(payloads: Iterable[object]) -> set[str]:
    codes = set()
    for p in payloads:
        if not isinstance(p, dict):
            continue
        if p.get("type") == "form" and p.get("code") is not None:
            codes.add(str(p["code"]))
        elif p.get("type") == "life_situation":
            # A life situation's checklist carries its forms' cards too (the kiosk and widget show them).
            codes |= _form_codes(p.get("forms") or ())
    return codes


def forms_shown(tracker: Tracker, dispatcher: CollectingDispatcher) -> set[str]:
    """The form codes whose card this conversation already showed: in its session so far, or in this run.

    The conversation is the tracker's own (its sender id, cut at the last session start), read from the
    bot's past messages, so nothing about the customer or the conversation is stored to count a form once.
    """
    since_start: list[dict] = []
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            break
        since_start.append(event)
    past = [(e.get("data") or {}).get("custom") for e in since_start if e.get("event") == "bot"]
    return _form_codes(past) | _form_codes(m.get("custom") for m in dispatcher.messages)
