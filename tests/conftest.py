"""Shared by every test environment: the repository root is importable; the app database per test."""

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """APP_DATABASE_URL on a fresh SQLite file; the action server's objects (actions.services) rebuilt on it.

    The catalogue, the booking configuration and the language detector are kept: they come from files.
    """
    from actions import services

    url = f"sqlite:///{tmp_path}/app.db"
    monkeypatch.setenv("APP_DATABASE_URL", url)
    services.reset(database_only=True)
    yield url
    services.reset(database_only=True)


class Clock:
    """A clock the test moves by hand, for code that takes a `clock` instead of sleeping."""

    def __init__(self):
        self.now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock at 2026-12-01 08:00 UTC."""
    return Clock()
