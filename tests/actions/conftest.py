"""Tracker fixtures for the actions: real rasa_sdk Trackers built from a few facts."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def user_event(text: str, intent: str | None, entities=(), metadata=None) -> dict:
    """A `user` event as the Rasa server sends it to the action server."""
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [dict(e) for e in entities],
        "metadata": metadata or {},
    }
    return {"event": "user", "text": text, "parse_data": parse, "metadata": metadata or {}}


def make_tracker(
    text: str = "",
    intent: str | None = None,
    entities=(),
    language: str = "fi",
    metadata=None,
    history=(),
    slots=None,
    sender: str = "test-conversation",
) -> Tracker:
    """A tracker whose latest message is `text`, after the given earlier events."""
    latest = user_event(text, intent, entities, metadata)
    events = [*history, latest]
    return Tracker(
        sender, {"language": language, **(slots or {})}, latest["parse_data"], events, False, None, {}, "action_listen"
    )


def bot_event(text: str = "...", buttons=(), response: str | None = None) -> dict:
    """A `bot` event as the tracker holds it: what the customer saw, with its buttons."""
    metadata = {"utter_action": response} if response else {}
    return {"event": "bot", "text": text, "data": {"buttons": [dict(b) for b in buttons]}, "metadata": metadata}


@cache
def domain_responses() -> dict:
    """The responses of bot/domain, as Rasa sends the domain to the action server."""
    responses: dict = {}
    for path in sorted((Path(__file__).resolve().parents[2] / "bot" / "domain").glob("*.yml")):
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return {"responses": responses}


def run(action, dispatcher, tracker: Tracker, domain=None) -> list:
    """The events an action returns, awaited as the action server awaits them."""
    return asyncio.run(action.run(dispatcher, tracker, domain or {}))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """Collects what an action says."""
    return CollectingDispatcher()


@pytest.fixture(autouse=True)
def case_db(app_db):
    """Every action test has its own app database (cases, bookings, vault, events): its URL."""
    return app_db
