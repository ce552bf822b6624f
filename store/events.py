"""Service events for the point's statistics (apudiaari): what was done, never who it was for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ServiceEvent
from store.rows import UTC, row_dict, to_db

# The service category (advisor task, seed 002) each automatically recorded event type counts under.
# A resolved handoff has no default: the advisor names the category when resolving it.
CATEGORIES = {
    "form_shown": "hand_out_material",
    "form_handed_out": "hand_out_material",
    "booking_made": "appointment_booking",
    "booking_moved": "appointment_booking",
    "booking_cancelled": "appointment_booking",
    "document_received": "receive_documents",
    "feedback_recorded": "feedback",
    "remote_connection_opened": "remote_service",
}
EVENT_TYPES = (*CATEGORIES, "handoff_resolved")
# Who did the work: the assistant alone (a form card), the point's advisor, or the customer through the
# assistant without staff (a booking made in the chat, feedback). Authorities pay for the advisor's work.
ACTORS = ("assistant", "advisor", "self_service")


class InvalidEvent(ValueError):
    """An event the statistics must not hold: an unknown type or actor, or a category not of its authority."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_event(
    event_type: str, actor: str, authority: str, category: str, valid_pair: Callable[[str, str], bool] | None
) -> None:
    """Raise InvalidEvent unless the type and actor are known and (given a check) the pair is valid."""
    if event_type not in EVENT_TYPES:
        raise InvalidEvent("bad_event_type", f"unknown event type {event_type!r}")
    if actor not in ACTORS:
        raise InvalidEvent("bad_actor", f"unknown actor {actor!r}")
    if valid_pair is not None and not valid_pair(authority, category):
        raise InvalidEvent("bad_pair", f"category {category!r} is not on the standard list of {authority!r}")


class EventLog:
    """Appends and reads service events. Rows carry ids and codes only, no personal data.

    Given `valid_pair` (the catalogue's `Catalogue.valid_pair`), it refuses a category that is not on the
    authority's standard service list, so no impossible pair reaches the cost-sharing report.
    """

    def __init__(self, engine, valid_pair: Callable[[str, str], bool] | None = None):
        self.engine = engine
        self.valid_pair = valid_pair

    @staticmethod
    def add(
        session: Session,
        *,
        event_type: str,
        actor: str,
        authority: str,
        channel: str,
        language: str,
        point_id: str,
        category: str | None = None,
        service: str | None = None,
        occurred_at: dt.datetime | None = None,
        valid_pair: Callable[[str, str], bool] | None = None,
    ) -> ServiceEvent:
        """Add one event to the caller's transaction (so a row and its event are kept or lost together).

        `category` defaults to the event type's (CATEGORIES); `occurred_at` must be aware (default: now).
        Raises InvalidEvent for an unknown type or actor, or a pair `valid_pair` refuses.
        """
        category = category or CATEGORIES[event_type]
        check_event(event_type, actor, authority, category, valid_pair)
        event = ServiceEvent(
            occurred_at=to_db(occurred_at or dt.datetime.now(UTC)),
            point_id=point_id,
            channel=channel,
            language=language,
            authority=authority,
            category=category,
            event_type=event_type,
            service=service,
            actor=actor,
        )
        session.add(event)
        return event

    def record(
        self,
        *,
        event_type: str,
        actor: str,
        authority: str,
        category: str,
        channel: str,
        language: str,
        point_id: str,
        service: str | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> int:
        """Store one event and return its id; `occurred_at` must be aware (default: now); see `add`."""
        with Session(self.engine) as session:
            event = self.add(
                session,
                event_type=event_type,
                actor=actor,
                valid_pair=self.valid_pair,
                authority=authority,
                category=category,
                channel=channel,
                language=language,
                point_id=point_id,
                service=service,
                occurred_at=occurred_at,
            )
            session.commit()
            return event.id

    def list_events(self, point_id: str | None = None) -> list[dict]:
        """Every event (of one point), oldest first, `occurred_at` as an aware UTC datetime."""
        with Session(self.engine) as session:
            query = select(ServiceEvent).order_by(ServiceEvent.occurred_at, ServiceEvent.id)
            if point_id:
                query = query.where(ServiceEvent.point_id == point_id)
            return [row_dict(e, "occurred_at") for e in session.execute(query).scalars()]
