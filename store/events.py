"""Service events for the point's statistics (apudiaari): what was done, never who it was for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ServiceEvent
from store.rows import UTC, row_dict, to_db

# The service category (advisor task, seed 002) each automatically recorded event type counts under.
# A resolved handoff has no default: the advisor names the category when resolving it.
CATEGORIES = {
    "form_handed_out": "hand_out_material",
    "booking_made": "appointment_booking",
    "booking_moved": "appointment_booking",
    "booking_cancelled": "appointment_booking",
    "document_received": "receive_documents",
    "feedback_recorded": "feedback",
    "remote_connection_opened": "remote_service",
}
EVENT_TYPES = (*CATEGORIES, "handoff_resolved")


class EventLog:
    """Appends and reads service events. Rows carry ids and codes only, no personal data."""

    def __init__(self, engine):
        self.engine = engine

    @staticmethod
    def add(
        session: Session,
        *,
        event_type: str,
        authority: str,
        channel: str,
        language: str,
        point_id: str,
        category: str | None = None,
        service: str | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> ServiceEvent:
        """Add one event to the caller's transaction (so a row and its event are kept or lost together).

        `category` defaults to the event type's (CATEGORIES); `occurred_at` must be aware (default: now).
        """
        event = ServiceEvent(
            occurred_at=to_db(occurred_at or dt.datetime.now(UTC)),
            point_id=point_id,
            channel=channel,
            language=language,
            authority=authority,
            category=category or CATEGORIES[event_type],
            event_type=event_type,
            service=service,
        )
        session.add(event)
        return event

    def record(
        self,
        *,
        event_type: str,
        authority: str,
        category: str,
        channel: str,
        language: str,
        point_id: str,
        service: str | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> int:
        """Store one event and return its id; `occurred_at` must be aware (default: now)."""
        with Session(self.engine) as session:
            event = self.add(
                session,
                event_type=event_type,
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
