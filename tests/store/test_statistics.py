"""Statistics: counts per Helsinki month, authority, category and event type, exactly the events recorded."""

import datetime as dt

import pytest

from store.db import open_database
from store.events import EventLog
from store.statistics import Statistics, month_bounds

UTC = dt.UTC


@pytest.fixture
def engine(tmp_path):
    return open_database(f"sqlite:///{tmp_path}/app.db")


def record(
    log,
    utc: dt.datetime,
    event_type="form_shown",
    authority="kela",
    category="hand_out_material",
    point_id="p1",
    service=None,
):
    log.record(
        event_type=event_type,
        actor={"form_shown": "assistant", "booking_made": "self_service"}.get(event_type, "advisor"),
        authority=authority,
        category=category,
        channel="kiosk",
        language="fi",
        point_id=point_id,
        service=service,
        occurred_at=utc.replace(tzinfo=UTC),
    )


def test_month_counts_are_helsinki_months_grouped_by_actor(engine):
    """November 2026 is 22:00 UTC on 31 Oct to 22:00 UTC on 30 Nov; counts per authority, category, actor, type."""
    log = EventLog(engine)
    record(log, dt.datetime(2026, 10, 31, 21, 59))  # 23:59 on 31 Oct in Helsinki: October
    record(log, dt.datetime(2026, 10, 31, 22, 0))  # 00:00 on 1 Nov: November
    record(log, dt.datetime(2026, 11, 15, 9, 0))
    record(log, dt.datetime(2026, 11, 15, 9, 5), "booking_made", category="appointment_booking")
    record(log, dt.datetime(2026, 11, 20, 9, 0), "handoff_resolved", authority="tax", category="other")
    record(log, dt.datetime(2026, 11, 30, 22, 0))  # 00:00 on 1 Dec: December
    record(log, dt.datetime(2026, 11, 5, 9, 0), point_id="p2")  # another point
    assert Statistics(engine).month_counts(2026, 11, "p1") == [
        {
            "authority": "kela",
            "category": "appointment_booking",
            "actor": "self_service",
            "event_type": "booking_made",
            "count": 1,
        },
        {
            "authority": "kela",
            "category": "hand_out_material",
            "actor": "assistant",
            "event_type": "form_shown",
            "count": 2,
        },
        {"authority": "tax", "category": "other", "actor": "advisor", "event_type": "handoff_resolved", "count": 1},
    ]
    assert [r["count"] for r in Statistics(engine).month_counts(2026, 10, "p1")] == [1]
    assert [r["count"] for r in Statistics(engine).month_counts(2026, 12, "p1")] == [1]
    assert month_bounds(2026, 3) == (dt.datetime(2026, 2, 28, 22, 0), dt.datetime(2026, 3, 31, 21, 0))  # summer time
    assert Statistics(engine).points() == ["p1", "p2"]
    assert Statistics(engine).years("p1") == [2026]
    assert Statistics(engine).years("nowhere") == []


def test_services_recorded_since(engine):
    log = EventLog(engine)
    record(
        log, dt.datetime(2026, 11, 24, 7, 0), "remote_connection_opened", category="remote_service", service="ABCD-1234"
    )
    record(
        log, dt.datetime(2026, 11, 23, 7, 0), "remote_connection_opened", category="remote_service", service="OLD0-0000"
    )
    record(log, dt.datetime(2026, 11, 24, 8, 0), service="AT 1")
    since = dt.datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert Statistics(engine).services_recorded("remote_connection_opened", "p1", since) == {"ABCD-1234"}
    assert Statistics(engine).services_recorded("remote_connection_opened", "p2", since) == set()
