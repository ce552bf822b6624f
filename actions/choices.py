"""Typed answers to buttons: the customer's text matched to the labels of the buttons on screen."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUtteranceReverted

from actions import services
from booking.config import BookingConfig
from booking.views import slot_label
from service_catalogue.loader import LANGUAGES

_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)
# "9.30", "9:30", "klo 9", "kl 14": a time of day in a typed answer.
_CLOCK = re.compile(r"(?<![\d.:])(\d{1,2})([.:])(\d{2})(?![\d:])|\b(?:klo|kl|at)\s*(\d{1,2})\b(?![.:]\d)")
# "24.11." or "24.11": a day and month (never a time: a month is 1-12, a slot's minute 00 or 30).
_DAY_MONTH = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.?(?![\d:])")
# Words a typed time may have besides its numbers and the weekday and month names.
_TIME_WORDS = {"klo", "kello", "kl", "klockan", "at"}
# A label's first words typed count from this many letters on ("later" for "Later times", "yes" for
# "Yes, call the advisor"); always whole words, so one letter never chooses anything.
MIN_PREFIX = 2


def button(title: str, intent: str = "choose", **entities: str) -> dict:
    """A quick-reply button whose payload names the intent and entities directly."""
    values = json.dumps(entities, separators=(",", ":"), ensure_ascii=False)
    return {"title": title, "payload": f"/{intent}{values}" if entities else f"/{intent}"}


def parse_payload(payload: str) -> tuple[str, dict[str, Any]] | None:
    """The intent and entities of a button payload ('/choose{"booking_choice": "later"}'), None if not one."""
    match = _PAYLOAD.match(payload.strip())
    if not match:
        return None
    try:
        entities = json.loads(match.group(2)) if match.group(2) else {}
    except json.JSONDecodeError:
        return None
    return (match.group(1), entities) if isinstance(entities, dict) else None


def normalise(text: str) -> str:
    """Case-folded, without diacritics, punctuation or extra spaces: 'Later  Times!' -> 'later times'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def applied_events(events: Iterable[dict]) -> list[dict]:
    """The tracker's events as Rasa applies them: a `rewind` takes back the latest user turn."""
    applied: list[dict] = []
    for event in events:
        if event.get("event") == "rewind":
            last_user = max((i for i, e in enumerate(applied) if e.get("event") == "user"), default=None)
            if last_user is not None:
                del applied[last_user:]
        else:
            applied.append(event)
    return applied


def previous_turn(tracker: Tracker) -> list[dict]:
    """The events between the customer's message before the latest one and the latest (the bot's last turn)."""
    events = applied_events(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return []
    start = users[-2] + 1 if len(users) > 1 else 0
    return events[start : users[-1]]


def set_in_previous_turn(tracker: Tracker, slot: str) -> Any:
    """The value the bot's last turn gave `slot`, None when it did not set it."""
    values = [e.get("value") for e in previous_turn(tracker) if e.get("event") == "slot" and e.get("name") == slot]
    return values[-1] if values else None


def offered_buttons(tracker: Tracker) -> list[dict]:
    """The buttons the bot's last turn showed, which the latest message may answer by typing."""
    buttons: list[dict] = []
    for event in previous_turn(tracker):
        if event.get("event") == "bot":
            buttons += [b for b in (event.get("data") or {}).get("buttons") or [] if b.get("payload")]
    return buttons


def _catalogue_labels(config: BookingConfig, title: str) -> set[str]:
    """The booking labels (every language) of which `title` is one."""
    wanted = normalise(title)
    found: set[str] = set()
    for texts in config.texts["labels"].values():
        if wanted in {normalise(t) for t in texts.values()}:
            found |= set(texts.values())
    return found


def _entity_labels(config: BookingConfig, entity: str, value: str) -> set[str]:
    """What the buttons of a booking choice say, in every language."""
    if entity == "appointment_kind" and value in config.kinds:
        return {config.kind_name(value, lang) for lang in LANGUAGES}
    if entity == "booking_topic" and value in config.topics:
        return {config.topic_name(value, lang) for lang in LANGUAGES}
    if entity in ("booking_language", "language") and value in LANGUAGES:
        return {config.language_name(value, lang) for lang in LANGUAGES}
    if entity == "booking_start":
        start = _start(value)
        return {slot_label(start, lang, config) for lang in LANGUAGES} if start else set()
    return set()


def _domain_labels(domain: Mapping[str, Any] | None, payload: str) -> set[str]:
    """Titles of every button with this payload in the domain's responses, in every language."""
    titles: set[str] = set()
    for variations in ((domain or {}).get("responses") or {}).values():
        for variation in variations or []:
            titles |= {b["title"] for b in variation.get("buttons") or [] if b.get("payload") == payload}
    return titles


def labels_of(button: dict, domain: Mapping[str, Any] | None, config: BookingConfig) -> set[str]:
    """Everything the customer may type for this button: its title and its equivalents in fi, sv and en."""
    labels = {button.get("title") or ""} | _domain_labels(domain, button["payload"])
    labels |= _catalogue_labels(config, button.get("title") or "")
    parsed = parse_payload(button["payload"])
    for entity, value in (parsed[1] if parsed else {}).items():
        labels |= _entity_labels(config, entity, str(value))
    return {normalise(label) for label in labels} - {""}


def _start(value: str) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return start if start.tzinfo else None


def _by_label(text: str, buttons: list[dict], domain: Mapping[str, Any] | None, config: BookingConfig) -> str | None:
    """The one payload whose label the text is (or begins with whole words), None if none or several."""
    typed = normalise(text)
    if not typed:
        return None
    labels = {b["payload"]: labels_of(b, domain, config) for b in buttons}
    exact = {payload for payload, names in labels.items() if typed in names}
    if len(exact) == 1:
        return exact.pop()
    if exact or len(typed) < MIN_PREFIX:
        return None
    begun = {payload for payload, names in labels.items() if any(name.startswith(typed + " ") for name in names)}
    return begun.pop() if len(begun) == 1 else None


def _month_names(config: BookingConfig) -> dict[str, int]:
    return {
        normalise(name): number
        for lang in LANGUAGES
        for number, name in enumerate(config.display(lang)["months"], start=1)
    }


def _by_time(text: str, buttons: list[dict], config: BookingConfig) -> str | None:
    """The one offered time whose day and clock the text names ('24.11. klo 9', '9.30', '24 Nov 9:00')."""
    starts = {}
    for b in buttons:
        parsed = parse_payload(b["payload"])
        start = _start(str(parsed[1].get("booking_start"))) if parsed else None
        if start:
            starts[b["payload"]] = start.astimezone(config.tz)
    if not starts:
        return None
    lowered = text.casefold()
    clock = None
    for match in _CLOCK.finditer(lowered):
        hour, minute = (match.group(1), match.group(3)) if match.group(1) else (match.group(4), "0")
        if match.group(2) == "." and 1 <= int(minute) <= 12:
            continue  # "24.11" is a date
        clock = (int(hour), int(minute))
    days = [(int(d), int(m)) for d, m in _DAY_MONTH.findall(lowered) if 1 <= int(m) <= 12]
    months = _month_names(config)
    words = normalise(text).split()
    for i, word in enumerate(words):
        if word in months:
            near = [w for w in words[max(0, i - 1) : i + 2] if w.isdigit() and 1 <= int(w) <= 31]
            days += [(int(near[0]), months[word])] if near else []
    if clock is None and not days:
        return None
    names = set(months) | {normalise(d) for lang in LANGUAGES for d in config.display(lang)["weekdays"]}
    if len([w for w in words if not w.isdigit() and w not in names | _TIME_WORDS]) > 1:
        return None  # a sentence that mentions a time (asking for times after 15.00) is not a choice
    found = [
        payload
        for payload, start in starts.items()
        if (clock is None or (start.hour, start.minute) == clock) and (not days or (start.day, start.month) in days)
    ]
    return found[0] if len(found) == 1 else None


def typed_choice(tracker: Tracker, domain: Mapping[str, Any] | None) -> str | None:
    """The payload of the offered button that the latest message typed, None when it typed none."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if text.startswith("/"):
        return None  # a pressed button: the payload is the message
    buttons = offered_buttons(tracker)
    if not buttons:
        return None
    config = services.booking_config()
    return _by_label(text, buttons, domain, config) or _by_time(text, buttons, config)


def pressed(message: dict, payload: str) -> dict:
    """The latest message as if its button was pressed: the payload's intent and entities, the same text."""
    parsed = parse_payload(payload)
    if parsed is None:
        return message
    intent, entities = parsed
    return {
        **message,
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
        "entities": [{"entity": k, "value": v, "extractor": "typed_choice"} for k, v in entities.items()],
    }


def as_pressed(tracker: Tracker, domain: Mapping[str, Any] | None) -> Tracker:
    """The tracker, with its latest message read as the button it typed (a copy; unchanged if it typed none)."""
    payload = typed_choice(tracker, domain)
    if payload is None:
        return tracker
    copy = tracker.copy()
    copy.latest_message = pressed(tracker.latest_message or {}, payload)
    return copy


def reread_as_pressed(tracker: Tracker, domain: Mapping[str, Any] | None) -> list[dict] | None:
    """Events that replace the latest message with the button it typed, None if it typed none.

    Rasa's own two-stage fallback does the same: the message is taken back and given again with the
    right intent, so the rules answer it as if the button had been pressed.
    """
    payload = typed_choice(tracker, domain)
    if payload is None:
        return None
    latest = next(e for e in reversed(applied_events(tracker.events)) if e.get("event") == "user")
    message = pressed(tracker.latest_message or {}, payload)
    user = {**latest, "parse_data": message, "timestamp": None}
    # Taking the message back also takes back this turn's slots (the language detected from it).
    return [
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        user,
        SlotSet("language", tracker.get_slot("language")),
    ]
