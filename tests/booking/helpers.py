"""Helpers shared by the booking tests."""

import datetime as dt

from store.rows import HELSINKI

POINT = "example-point"


def at(year, month, day, hour=0, minute=0, fold=0) -> dt.datetime:
    """A Helsinki wall-clock time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=HELSINKI, fold=fold)


def weekdays(*spans):
    """Parsed hours with the same minute spans Monday to Friday."""
    return {day: tuple(spans) for day in range(5)}


def book(client, start, kind="phone", topic="families", language="fi", now=None, **extra):
    fields = {
        "kind": kind,
        "topic": topic,
        "language": language,
        "start": start,
        "phone": "040 123 4567",
        "point_id": POINT,
        "channel": "kiosk",
        "now": now or at(2026, 11, 23, 6),
    }
    fields.update(extra)
    return client.book(**fields)
