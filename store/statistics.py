"""Counts of service events (the apudiaari) per Helsinki month, authority, category and event type."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ServiceEvent
from store.rows import HELSINKI, UTC, to_db


def _utc_bound(year: int) -> dt.datetime:
    return to_db(dt.datetime(year, 1, 1, tzinfo=HELSINKI))


class Statistics:
    """Reads service events for the statistics page and the cost-sharing CSV."""

    def __init__(self, engine):
        self.engine = engine

    def monthly_counts(self, year: int, point_id: str | None = None) -> list[dict]:
        """One row per (month, authority, category, event_type) with its count, in that order.

        Months are Helsinki months: an event at 21:30 UTC on 31 January counts in February.
        """
        query = select(
            ServiceEvent.occurred_at, ServiceEvent.authority, ServiceEvent.category, ServiceEvent.event_type
        ).where(ServiceEvent.occurred_at >= _utc_bound(year), ServiceEvent.occurred_at < _utc_bound(year + 1))
        if point_id:
            query = query.where(ServiceEvent.point_id == point_id)
        counts: Counter = Counter()
        with Session(self.engine) as session:
            # Grouped here, not in SQL: SQLite cannot turn UTC into Helsinki months.
            for occurred_at, authority, category, event_type in session.execute(query):
                month = occurred_at.replace(tzinfo=UTC).astimezone(HELSINKI).month
                counts[(month, authority, category, event_type)] += 1
        return [
            {"month": month, "authority": authority, "category": category, "event_type": event_type, "count": count}
            for (month, authority, category, event_type), count in sorted(counts.items())
        ]

    def years(self, point_id: str | None = None) -> list[int]:
        """The Helsinki years that have events, earliest first."""
        query = select(ServiceEvent.occurred_at).order_by(ServiceEvent.occurred_at)
        if point_id:
            query = query.where(ServiceEvent.point_id == point_id)
        with Session(self.engine) as session:
            first = session.execute(query.limit(1)).scalar()
            last = session.execute(query.order_by(None).order_by(ServiceEvent.occurred_at.desc()).limit(1)).scalar()
        if first is None or last is None:
            return []
        local = [moment.replace(tzinfo=UTC).astimezone(HELSINKI).year for moment in (first, last)]
        return list(range(local[0], local[1] + 1))

    def services_recorded(self, event_type: str, point_id: str, since: dt.datetime) -> set[str]:
        """The `service` values of the point's events of this type since an aware moment."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(ServiceEvent.service).where(
                    ServiceEvent.event_type == event_type,
                    ServiceEvent.point_id == point_id,
                    ServiceEvent.occurred_at >= to_db(since),
                )
            ).scalars()
            return {service for service in rows if service}
