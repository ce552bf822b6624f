"""The app database: its URL, one engine factory and the schema, for the action server and the web app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine

# Each feature's tables register on Base.metadata when its module is imported.
from store import devices, inbox, login_throttle, model_bank, nlu_overlay  # noqa: F401 (imported for their tables)
from store.models import Base

DEFAULT_URL = "sqlite:///var/app.db"


def database_url() -> str:
    """The database of cases, bookings, events and the contact vault: APP_DATABASE_URL, SQLite under var/ by default."""
    return os.environ.get("APP_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str) -> Engine:
    """An engine for the URL; creates the folder of a SQLite file. Creates no table (see create_schema)."""
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        # SQLite lets one writer in at a time; parallel writers (bookings, tickets) wait for the
        # lock up to 30 s instead of failing at once with "database is locked".
        options["connect_args"] = {"timeout": 30}
    return create_engine(url, **options)


class StaleSchema(RuntimeError):
    """The database was made by an older version of the tables; the message names what is missing."""


def create_schema(engine: Engine) -> None:
    """Create every table that is missing, then check the existing ones (create_all adds no columns)."""
    Base.metadata.create_all(engine)
    check_schema(engine)


def check_schema(engine: Engine) -> None:
    """Fail loudly when an existing table lacks columns the code needs."""
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = sorted(column.name for column in table.columns if column.name not in present)
        if missing:
            raise StaleSchema(
                f"{engine.url}: table {table.name} lacks columns {missing}; it was made by an "
                f"older version. Move the database file away (or run `make clean-db`) and start again."
            )


def open_database(url: str) -> Engine:
    """make_engine and create_schema in one: an engine whose tables exist (scripts, tests, bench)."""
    engine = make_engine(url)
    create_schema(engine)
    return engine
