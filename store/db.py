"""The app database: its URL, one engine factory and its migrated schema, for the action server and the web app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

# Each feature's tables register on Base.metadata when its module is imported.
from store import (  # noqa: F401 (imported for their tables)
    catalogue_changes,
    devices,
    form_files,
    inbox,
    login_throttle,
    model_bank,
    nlu_overlay,
)
from store.models import Base  # noqa: F401 (re-exported: the metadata that holds every table)

DEFAULT_URL = "sqlite:///var/app.db"


def database_url() -> str:
    """The database of cases, bookings, events and the contact vault: APP_DATABASE_URL, SQLite under var/ by default."""
    return os.environ.get("APP_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str) -> Engine:
    """An engine for the URL; creates the folder of a SQLite file. Creates no table (see open_database)."""
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        # SQLite lets one writer in at a time; parallel writers (bookings, tickets) wait for the
        # lock up to 30 s instead of failing at once with "database is locked".
        options["connect_args"] = {"timeout": 30}
    return create_engine(url, **options)


class StaleSchema(RuntimeError):
    """The database matches no known version of the tables, or was made by a newer release; the message says how."""


def create_schema(engine: Engine) -> None:
    """Bring the engine's database up to date: Alembic's migrations to head, under a lock (store.migrate)."""
    # Imported here: store.migrate imports this module (make_engine, StaleSchema) for its command line.
    from store.migrate import upgrade

    upgrade(engine)


def check_schema(engine: Engine) -> None:
    """Fail loudly (StaleSchema) unless the database is at the newest revision; changes nothing."""
    from store.migrate import verify

    verify(engine)


def open_database(url: str) -> Engine:
    """An engine whose database is up to date (migrated on the way): the web app, scripts, tests and bench."""
    engine = make_engine(url)
    create_schema(engine)
    return engine
