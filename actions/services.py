"""The action server's shared objects, each built once on first use: nothing is built at import time.

One engine on APP_DATABASE_URL, its schema created once, carries the case store, the booking client,
the service event log and the contact vault. The catalogue, the booking configuration and the language
detector are read from their files once. Actions (and the Rasa server's channel, for the contact vault)
take them from here; tests point APP_DATABASE_URL elsewhere and call `reset()`.

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
from service_catalogue.loader import Catalogue, load_catalogue
from store.cases import DEFAULT_QUEUE_LIMIT, CaseStore
from store.db import create_schema, database_url, make_engine
from store.events import EventLog

if TYPE_CHECKING:
    from actions.language import LanguageDetector
    from store.db import Engine  # SQLAlchemy's, through store.db: the Rasa run reads no SQLAlchemy 1.4 types

logging_filter.install()

T = TypeVar("T")

_built: dict[str, Any] = {}
# Reentrant: building the booking client builds the engine and the booking configuration first.
_lock = threading.RLock()
# What lives in the database; reset(database_only=True) forgets these and keeps what files gave.
DATABASE_BOUND = ("engine", "case_store", "booking_client", "event_log", "contact_vault")


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


@_once
def catalogue() -> Catalogue:
    """The service catalogue, loaded and validated."""
    return load_catalogue()


@_once
def booking_config() -> BookingConfig:
    """Topics, kinds, hours, labels and date formats from catalogue/data/booking.yml."""
    return BookingConfig.from_catalogue(catalogue())


@_once
def booking_client() -> BookingClient:
    """The booking client: the local one over the app database. A real Kela system would be chosen here."""
    return LocalBookingClient(engine(), booking_config())


@_once
def case_store() -> CaseStore:
    """Handoff cases."""
    return CaseStore(engine=engine())


def handoff_queue_limit() -> int:
    """Waiting cases of a point beyond which the assistant gives no ticket: HANDOFF_QUEUE_LIMIT, as in the web app."""
    return int(os.environ.get("HANDOFF_QUEUE_LIMIT") or DEFAULT_QUEUE_LIMIT)


@_once
def event_log() -> EventLog:
    """The service event log (apudiaari); it refuses pairs the catalogue does not list."""
    return EventLog(engine(), catalogue().valid_pair)


@_once
def contact_vault() -> ContactVault:
    """Phone numbers typed in the chat, waiting for a phone booking."""
    return ContactVault(engine())


@_once
def language_detector() -> LanguageDetector:
    """The language detector with bot/language_hints.yml."""
    from actions.language import load_detector  # actions.language takes its detector from here

    return load_detector()


def reset(*, database_only: bool = False) -> None:
    """Forget what was built, closing the engine's connections; the next use builds anew.

    `database_only` keeps what was read from files (catalogue, booking configuration, detector).
    """
    with _lock:
        names = [name for name in _built if not database_only or name in DATABASE_BOUND]
        dropped = {name: _built.pop(name) for name in names}
    if "engine" in dropped:
        dropped["engine"].dispose()
