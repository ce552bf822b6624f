"""The public API's rules (issue 12): when a web customer may call the advisor, how full the queue is,
and which conversations may give feedback."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from booking.slots import holiday_dates
from service_catalogue.loader import Catalogue, parse_hours
from store.cases import CaseStore
from store.models import Feedback, HandoffCase
from training.inbox import _tracker_engine  # the inbox's read-only engine on Rasa's tracker store, reused

# What the assistant shows when a conversation is about a real matter: a checklist, a form, a booking,
# a ticket. A conversation with none of these (or a case) has nothing to rate.
MATTER_PAYLOADS = ("life_situation", "form", "booking", "handoff")


def point_is_open(cat: Catalogue, now: dt.datetime | None = None) -> bool:
    """Within point.yml `hours` and not a public holiday or closed day: the rule of actions.handoff.point_is_open,
    which the web environment cannot import (rasa_sdk)."""
    booking = cat.booking
    local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(booking["timezone"]))
    day = local.date()
    if day.isoformat() in {str(d) for d in booking["closed_days"]} or day in holiday_dates(
        booking["holiday_country"], day.year
    ):
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in parse_hours(cat.point["hours"]).get(day.weekday(), ()))


def web_handoff_unavailable(cat: Catalogue, cases: CaseStore, point_id: str) -> str | None:
    """Why a web customer cannot be handed to an advisor now ("closed", "no_advisor"), as the assistant decides."""
    if not point_is_open(cat):
        return "closed"
    if not cases.on_duty(point_id):
        return "no_advisor"
    return None


def waiting(engine: Engine, point_id: str) -> int:
    """How many of the point's cases wait for an advisor (not yet claimed)."""
    with Session(engine) as session:
        query = select(func.count(HandoffCase.id)).where(
            HandoffCase.point_id == point_id, HandoffCase.status == "pending"
        )
        return int(session.execute(query).scalar_one())


def already_rated(engine: Engine, conversation_id: str) -> bool:
    """Whether the conversation has given its feedback."""
    with Session(engine) as session:
        query = select(Feedback.id).where(Feedback.conversation_id == conversation_id).limit(1)
        return session.execute(query).first() is not None


def had_matter(engine: Engine, tracker_url: str, conversation_id: str) -> bool:
    """A case in the app database, or a matter the assistant showed in Rasa's tracker store."""
    with Session(engine) as session:
        case = select(HandoffCase.id).where(HandoffCase.conversation_id == conversation_id).limit(1)
        if session.execute(case).first() is not None:
            return True
    tracker = _tracker_engine(tracker_url)
    if tracker is None:
        return False
    bot_lines = text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'bot'")
    try:
        with tracker.connect() as connection:
            rows = connection.execute(bot_lines, {"sender": conversation_id}).scalars().all()
    except SQLAlchemyError:
        return False  # no tracker table yet: no conversation either
    for data in rows:
        try:
            event = json.loads(str(data or "{}"))
        except ValueError:
            continue
        custom = (event.get("data") or {}).get("custom") if isinstance(event, dict) else None
        if isinstance(custom, dict) and custom.get("type") in MATTER_PAYLOADS:
            return True
    return False
