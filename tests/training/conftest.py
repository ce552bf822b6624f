"""A tracker store built by hand in the schema of Rasa 3.6's SQLTrackerStore, for fast inbox tests; catalogues
with a topic added or removed, for the topics' tests."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from service_catalogue.loader import DEFAULT_DATA_DIR, Catalogue, load_catalogue

# rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent.
SCHEMA = """
CREATE TABLE events (
    id INTEGER NOT NULL PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""
START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


class FakeTracker:
    """Writes events as Rasa does: one row per event, the event itself as JSON in `data`."""

    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"
        with sqlite3.connect(path) as connection:
            connection.execute(SCHEMA)

    def _add(self, sender: str, kind: str, at: dt.datetime, event: dict, intent=None, action=None) -> None:
        event = {"event": kind, "timestamp": at.timestamp(), **event}
        with sqlite3.connect(self.path) as connection:
            connection.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (sender, kind, at.timestamp(), intent, action, json.dumps(event)),
            )

    def session(self, sender: str, at: dt.datetime, channel: str = "kiosk") -> None:
        """A session start with its metadata, as Rasa writes it."""
        self._add(sender, "slot", at, {"name": "session_started_metadata", "value": {"channel": channel}})
        self._add(sender, "session_started", at, {})

    def user(
        self,
        sender: str,
        text: str,
        intent: str,
        confidence: float,
        at: dt.datetime,
        *,
        second: tuple[str, float] = ("goodbye", 0.01),
        language: str | None = None,
        channel: str = "kiosk",
        slot_language: str | None = "fi",
    ) -> None:
        """A customer's message with its parse data, then the language slot the assistant sets."""
        metadata = {"channel": channel, **({"language": language} if language else {})}
        ranking = [{"name": intent, "confidence": confidence}, {"name": second[0], "confidence": second[1]}]
        parse = {"intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking, "text": text}
        self._add(sender, "user", at, {"text": text, "metadata": metadata, "parse_data": parse}, intent=intent)
        if slot_language:
            self._add(sender, "slot", at + dt.timedelta(milliseconds=20), {"name": "language", "value": slot_language})

    def bot(self, sender: str, text: str, at: dt.datetime) -> None:
        """One line of the assistant."""
        self._add(sender, "bot", at, {"text": text, "data": {}, "metadata": {}})


@pytest.fixture
def tracker(tmp_path) -> FakeTracker:
    """An empty hand-built tracker store."""
    return FakeTracker(tmp_path / "tracker.db")


ServicesChange = Callable[[list[dict]], None]


def catalogue_with(directory: Path, *changes: ServicesChange) -> Catalogue:
    """The repository's catalogue, copied to `directory` with services.yml changed, loaded and validated."""
    shutil.copytree(DEFAULT_DATA_DIR, directory)
    path = directory / "services.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for change in changes:
        change(document["services"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_catalogue(directory)


def add_service(service_id: str, intent: str) -> ServicesChange:
    """A new service invented for a test (a copy of the first one's texts), with its own intent."""

    def change(services: list[dict]) -> None:
        services.append(dict(services[0], id=service_id, intent=intent, verified=False))

    return change


def no_intent(service_id: str) -> ServicesChange:
    """The service stays in the catalogue but is no topic of its own any more."""

    def change(services: list[dict]) -> None:
        next(s for s in services if s["id"] == service_id).pop("intent")

    return change


def reword(service_id: str) -> ServicesChange:
    """Only a text of the service changes."""

    def change(services: list[dict]) -> None:
        service = next(s for s in services if s["id"] == service_id)
        service["description"] = dict(service["description"], en="A reworded description for a test.")

    return change
