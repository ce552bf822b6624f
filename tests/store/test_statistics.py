"""Statistics: counts per Helsinki month, authority, category and event type, exactly the events recorded."""

import datetime as dt

import pytest

from store.db import open_database
from store.events import EventLog
from store.statistics import Statistics

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
        actor="assistant" if event_type == "form_shown" else "advisor",
        authority=authority,
        category=category,
        channel="kiosk",
        language="fi",
        point_id=point_id,
        service=service,
        occurred_at=utc.replace(tzinfo=UTC),
    )


def test_months_are_helsinki_months(engine):
    log = EventLog(engine)
    record(log, dt.datetime(2025, 12, 31, 21, 59))  # 23:59 on 31 Dec in Helsinki: 2025
    record(log, dt.datetime(2025, 12, 31, 22, 30))  # 00:30 on 1 Jan: January 2026
    record(log, dt.datetime(2026, 1, 31, 21, 59))  # 23:59 on 31 Jan: January
    record(log, dt.datetime(2026, 1, 31, 21, 30), "booking_made", category="appointment_booking")  # 23:30: January
    record(log, dt.datetime(2026, 1, 31, 22, 0))  # 00:00 on 1 Feb: February
    record(log, dt.datetime(2026, 3, 31, 20, 59))  # summer time (UTC+3): 23:59 on 31 Mar, March
    record(log, dt.datetime(2026, 3, 31, 21, 0), authority="tax")  # 00:00 on 1 Apr: April
    record(log, dt.datetime(2026, 12, 31, 22, 0))  # 00:00 on 1 Jan 2027: next year
    record(log, dt.datetime(2026, 5, 5, 9, 0), point_id="p2")  # another point
    rows = Statistics(engine).monthly_counts(2026, "p1")
    assert rows == [
        {"month": 1, "authority": "kela", "category": "appointment_booking", "event_type": "booking_made", "count": 1},
        {"month": 1, "authority": "kela", "category": "hand_out_material", "event_type": "form_shown", "count": 2},
        {"month": 2, "authority": "kela", "category": "hand_out_material", "event_type": "form_shown", "count": 1},
        {"month": 3, "authority": "kela", "category": "hand_out_material", "event_type": "form_shown", "count": 1},
        {"month": 4, "authority": "tax", "category": "hand_out_material", "event_type": "form_shown", "count": 1},
    ]
    assert sum(r["count"] for r in Statistics(engine).monthly_counts(2026)) == 7  # both points
    assert [r["month"] for r in Statistics(engine).monthly_counts(2025, "p1")] == [12]
    assert Statistics(engine).years("p1") == [2025, 2026, 2027]
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
