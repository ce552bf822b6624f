"""The action server's shared objects, each built once on first use: nothing is built at import time.

One engine on APP_DATABASE_URL, its schema created once, carries the case store, the booking client,
the service event log and the contact vault. The catalogue is the editors' published one
(store.catalogue_workspace.LiveCatalogue): a publish reaches the actions within CATALOGUE_CHECK_SECONDS,
and what is built from it (booking configuration and client, event log) is rebuilt when it changes.
Actions (and the Rasa server's channel, for the contact vault) take them from here; tests point
APP_DATABASE_URL elsewhere and call `reset()`.

Importing it does one thing: every log record of the process is redacted from then on
(privacy.logging_filter). Both the action server and Rasa (through its channel) import this module
as they start, so neither logs an identity code or a phone number.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from booking.client import BookingClient, LocalBookingClient
from booking.config import BookingConfig
from privacy import logging_filter
from privacy.vault import ContactVault
from service_catalogue.loader import Catalogue
from store.cases import DEFAULT_QUEUE_LIMIT, CaseStore
from store.catalogue_workspace import CatalogueWorkspace, LiveCatalogue
from store.db import create_schema, database_url, make_engine
from store.events import EventLog

if TYPE_CHECKING:
    from store.db import Engine  # SQLAlchemy's, through store.db: the Rasa run reads no SQLAlchemy 1.4 types

logging_filter.install()

T = TypeVar("T")

_built: dict[str, Any] = {}
# Reentrant: building the booking client builds the engine and the booking configuration first.
_lock = threading.RLock()
# What lives in the database; reset(database_only=True) forgets these and keeps what files gave.
# The catalogue is the database's published one, and the rest follows it.
DATABASE_BOUND = (
    "engine",
    "case_store",
    "booking_client",
    "event_log",
    "contact_vault",
    "catalogue_workspace",
    "live_catalogue",
    "booking_config",
)


def _once(build: Callable[[], T]) -> Callable[[], T]:
    """The function's result, built on its first call and kept until `reset()`."""
    name = build.__name__

    @functools.wraps(build)
    def get() -> T:
        with _lock:
            if name not in _built:
                _built[name] = build()
            return _built[name]

    return get


@_once
def engine() -> Engine:
    """The one engine of the app database (APP_DATABASE_URL), its tables created and checked."""
    db = make_engine(database_url())
    create_schema(db)
    return db


def _following(source: Callable[[], Any]) -> Callable[[Callable[[Any], T]], Callable[[], T]]:
    """The function's result for the current value of `source`, built again when that is another object."""

    def wrap(build: Callable[[Any], T]) -> Callable[[], T]:
        name = build.__name__

        @functools.wraps(build)
        def get() -> T:
            value = source()
            with _lock:
                held = _built.get(name)
                if held is None or held[0] is not value:
                    held = _built[name] = (value, build(value))
                return held[1]

        return get

    return wrap


@_once
def catalogue_workspace() -> CatalogueWorkspace:
    """The editors' catalogue over the app database (catalogue/data/ plus what they published)."""
    return CatalogueWorkspace(engine())


@_once
def live_catalogue() -> LiveCatalogue:
    """The published catalogue, looked for anew at most every CATALOGUE_CHECK_SECONDS."""
    return LiveCatalogue(catalogue_workspace())


def catalogue() -> Catalogue:
    """The service catalogue as published, validated; the previous one while a new one fails to load."""
    return live_catalogue().get()


@_following(catalogue)
def booking_config(cat: Catalogue) -> BookingConfig:
    """Topics, kinds, hours, labels and date formats from the catalogue's booking.yml."""
    return BookingConfig.from_catalogue(cat)


@_following(booking_config)
def booking_client(config: BookingConfig) -> BookingClient:
    """The booking client: the local one over the app database. A real Kela system would be chosen here."""
    return LocalBookingClient(engine(), config)


@_once
def case_store() -> CaseStore:
    """Handoff cases."""
    return CaseStore(engine=engine())


def handoff_queue_limit() -> int:
    """Waiting cases of a point beyond which the assistant gives no ticket: HANDOFF_QUEUE_LIMIT, as in the web app."""
    return int(os.environ.get("HANDOFF_QUEUE_LIMIT") or DEFAULT_QUEUE_LIMIT)


@_following(catalogue)
def event_log(cat: Catalogue) -> EventLog:
    """The service event log (apudiaari); it refuses pairs the catalogue does not list."""
    return EventLog(engine(), cat.valid_pair)


@_once
def contact_vault() -> ContactVault:
    """Phone numbers typed in the chat, waiting for a phone booking."""
    return ContactVault(engine())


def reset(*, database_only: bool = False) -> None:
    """Forget what was built, closing the engine's connections; the next use builds anew.

    `database_only` keeps what was read from files (the repository's catalogue, while none is published).
    """
    with _lock:
        names = [name for name in _built if not database_only or name in DATABASE_BOUND]
        dropped = {name: _built.pop(name) for name in names}
    if "engine" in dropped:
        dropped["engine"].dispose()
