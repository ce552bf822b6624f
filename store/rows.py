"""Times and rows: every stored time is naive UTC (SQLite keeps no offset), every time in code is aware."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult, Result

UTC = dt.UTC
HELSINKI = ZoneInfo("Europe/Helsinki")


def to_db(moment: dt.datetime) -> dt.datetime:
    """An aware time as the database keeps it: naive UTC. A naive time is refused, never guessed."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC).replace(tzinfo=None)


def now_db() -> dt.datetime:
    """Now, as the database keeps it."""
    return to_db(dt.datetime.now(UTC))


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (Session.execute is typed for any statement; DML gives a
    CursorResult, which has rowcount)."""
    return int(cast("CursorResult[Any]", result).rowcount)


def row_dict(row, *times: str) -> dict:
    """A row's columns as plain data; the named time columns read back as aware UTC."""
    data = {column.name: getattr(row, column.name) for column in row.__table__.columns}
    for name in times:
        if data[name] is not None and data[name].tzinfo is None:
            data[name] = data[name].replace(tzinfo=UTC)
    return data
