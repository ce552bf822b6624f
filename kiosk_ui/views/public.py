"""The public API's rules (issue 12): when a web customer may call the advisor, how full the queue is,
and which conversations may give feedback."""

from __future__ import annotations

import json

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from booking.hours import point_is_open
from service_catalogue.loader import Catalogue
from store.cases import CaseStore
from store.models import Feedback, HandoffCase
from training.inbox import tracker_engine

# What the assistant shows when a conversation is about a real matter: a checklist, a form, a booking,
# a ticket. A conversation with none of these (or a case) has nothing to rate.
MATTER_PAYLOADS = ("life_situation", "form", "booking", "handoff")


def web_handoff_unavailable(cat: Catalogue, cases: CaseStore, point_id: str) -> str | None:
    """Why a web customer cannot be handed to an advisor now ("closed", "no_advisor"), as the assistant decides."""
    if not point_is_open(cat):
        return "closed"
    if not cases.on_duty(point_id):
        return "no_advisor"
    return None


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
    tracker = tracker_engine(tracker_url)
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
