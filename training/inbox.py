"""The inbox: customers' messages the assistant did not understand, from Rasa's tracker store (being built)."""

from __future__ import annotations

from sqlalchemy.engine import Engine


class Inbox:
    """Messages worth an editor's look, read from the tracker store; decisions kept in the app database."""

    def __init__(self, engine: Engine, tracker_url: str, retention_days: int):
        self.engine = engine
        self.tracker_url = tracker_url
        self.retention_days = retention_days
