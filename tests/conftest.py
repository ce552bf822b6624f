"""Shared by every test environment: the repository root is importable; the app database per test."""

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
