"""Counts of service events (the apudiaari): per Helsinki month, point, authority, category, actor and type."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import ServiceEvent
from store.rows import HELSINKI, UTC, to_db


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The Helsinki month as naive UTC bounds [start, end), as the table stores times."""
    start = dt.datetime(year, month, 1, tzinfo=HELSINKI)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=HELSINKI)
    return to_db(start), to_db(end)


class Statistics:
    """Reads service events for the statistics page and the cost-sharing CSV."""

    def __init__(self, engine):
        self.engine = engine

    def month_counts(self, year: int, month: int, point_id: str) -> list[dict]:
        """The cost-sharing report's figures: one row per (authority, category, actor, event_type) with its count.

        One Helsinki month of one point, so its UTC bounds are fixed and the database groups and counts.
        """
        start, end = month_bounds(year, month)
        keys = (ServiceEvent.authority, ServiceEvent.category, ServiceEvent.actor, ServiceEvent.event_type)
        query = (
            select(*keys, func.count(ServiceEvent.id))
            .where(ServiceEvent.point_id == point_id, ServiceEvent.occurred_at >= start, ServiceEvent.occurred_at < end)
            .group_by(*keys)
            .order_by(*keys)
        )
        with Session(self.engine) as session:
            return [
                {"authority": a, "category": c, "actor": actor, "event_type": e, "count": int(n)}
                for a, c, actor, e, n in session.execute(query)
            ]

    def points(self) -> list[str]:
        """The points that have events, alphabetically."""
        with Session(self.engine) as session:
            query = select(ServiceEvent.point_id).distinct().order_by(ServiceEvent.point_id)
            return list(session.execute(query).scalars())

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
