"""Creating and reading handoff cases, with a ticket number per point and day."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import Base, HandoffCase

HELSINKI = ZoneInfo("Europe/Helsinki")
DEFAULT_URL = "sqlite:///var/app.db"
TICKET_PREFIX = "A"


def database_url() -> str:
    """The database of cases and bookings: APP_DATABASE_URL, SQLite under var/ by default."""
    return os.environ.get("APP_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str):
    """An engine for the URL; creates the folder of a SQLite file and every table."""
    options = {}
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        # SQLite lets one writer in at a time; parallel writers (bookings, tickets) wait for the
        # lock up to 30 s instead of failing at once with "database is locked".
        options["connect_args"] = {"timeout": 30}
    engine = create_engine(url, **options)
    Base.metadata.create_all(engine)
    return engine


def ticket_label(number: int) -> str:
    """A012 for the twelfth case of the day."""
    return f"{TICKET_PREFIX}{number:03d}"


class CaseStore:
    """Handoff cases in SQL. Ticket numbers come from the table's unique constraint, not a lock."""

    def __init__(self, url: str | None = None, engine=None):
        self.engine = engine or make_engine(url or database_url())

    def create_case(self, *, point_id: str, conversation_id: str, language: str, channel: str,
                    reason: str, now: dt.datetime | None = None, attempts: int = 20,
                    **details: Any) -> dict:
        """Store a new case and give it the point's next ticket number for today."""
        now = now or dt.datetime.now(dt.timezone.utc)
        day = now.astimezone(HELSINKI).date()
        for _ in range(attempts):
            with Session(self.engine) as session:
                last = session.execute(
                    select(func.max(HandoffCase.number)).where(
                        HandoffCase.point_id == point_id, HandoffCase.day == day)
                ).scalar()
                number = (last or 0) + 1
                case = HandoffCase(point_id=point_id, day=day, number=number,
                                   ticket=ticket_label(number), created_at=now,
                                   conversation_id=conversation_id, language=language,
                                   channel=channel, reason=reason, **details)
                session.add(case)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()  # another case took this number first; take the next
                    continue
                return as_dict(case)
        raise RuntimeError(f"no free ticket number for {point_id} on {day} after {attempts} tries")

    def list_cases(self, point_id: str | None = None) -> list[dict]:
        """Every case, newest first."""
        with Session(self.engine) as session:
            query = select(HandoffCase).order_by(HandoffCase.id.desc())
            if point_id:
                query = query.where(HandoffCase.point_id == point_id)
            return [as_dict(c) for c in session.execute(query).scalars()]


def as_dict(case: HandoffCase) -> dict:
    """A case as plain data."""
    return {column.name: getattr(case, column.name) for column in HandoffCase.__table__.columns}
