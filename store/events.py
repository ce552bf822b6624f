"""Service events for the point's statistics (apudiaari): what was done, never who it was for."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ServiceEvent

UTC = dt.timezone.utc
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

    def record(self, *, event_type: str, authority: str, category: str, channel: str, language: str,
               point_id: str, service: str | None = None,
               occurred_at: dt.datetime | None = None) -> int:
        """Store one event and return its id; `occurred_at` must be aware (default: now)."""
        occurred_at = occurred_at or dt.datetime.now(UTC)
        if occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        event = ServiceEvent(
            # SQLite keeps no offset, so every row is stored as naive UTC and read back as UTC.
            occurred_at=occurred_at.astimezone(UTC).replace(tzinfo=None),
            point_id=point_id, channel=channel, language=language, authority=authority,
            category=category, event_type=event_type, service=service)
        with Session(self.engine) as session:
            session.add(event)
            session.commit()
            return event.id

    def list_events(self, point_id: str | None = None) -> list[dict]:
        """Every event (of one point), oldest first, `occurred_at` as an aware UTC datetime."""
        with Session(self.engine) as session:
            query = select(ServiceEvent).order_by(ServiceEvent.occurred_at, ServiceEvent.id)
            if point_id:
                query = query.where(ServiceEvent.point_id == point_id)
            return [_as_dict(e) for e in session.execute(query).scalars()]


def _as_dict(event: ServiceEvent) -> dict:
    data = {column.name: getattr(event, column.name) for column in ServiceEvent.__table__.columns}
    data["occurred_at"] = data["occurred_at"].replace(tzinfo=UTC)
    return data
