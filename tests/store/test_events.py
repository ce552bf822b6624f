"""Service events for statistics: stored as UTC, no personal data, listed per point."""

import datetime as dt

import pytest
from sqlalchemy import text

from service_catalogue.loader import load_catalogue
from store.db import open_database
from store.events import ACTORS, EVENT_TYPES, EventLog, InvalidEvent
from store.models import ServiceEvent
from store.rows import HELSINKI

FIELDS = {
    "authority": "kela",
    "category": "appointment_booking",
    "channel": "kiosk",
    "language": "fi",
    "actor": "self_service",
}


def test_record_and_list(tmp_path):
    log = EventLog(open_database(f"sqlite:///{tmp_path}/app.db"))
    helsinki = dt.datetime(2026, 11, 24, 9, 0, tzinfo=HELSINKI)
    first = log.record(
        event_type="booking_made", point_id="p1", service="housing_allowance", occurred_at=helsinki, **FIELDS
    )
    second = log.record(
        event_type="booking_cancelled", point_id="p2", occurred_at=helsinki + dt.timedelta(hours=1), **FIELDS
    )
    assert second > first
    events = log.list_events("p1")
    assert len(events) == 1
    event = events[0]
    assert event["occurred_at"] == helsinki and event["occurred_at"].tzinfo == dt.UTC
    assert event["occurred_at"].hour == 7
    assert (event["event_type"], event["service"], event["category"]) == (
        "booking_made",
        "housing_allowance",
        "appointment_booking",
    )
    assert [e["event_type"] for e in log.list_events()] == ["booking_made", "booking_cancelled"]
    assert log.list_events("p2")[0]["service"] is None
    with pytest.raises(ValueError):
        log.record(event_type="x", point_id="p1", occurred_at=dt.datetime(2026, 1, 1), **FIELDS)


def test_events_have_no_personal_data_columns():
    columns = set(ServiceEvent.__table__.columns.keys())
    assert columns == {
        "id",
        "occurred_at",
        "point_id",
        "channel",
        "language",
        "authority",
        "category",
        "event_type",
        "service",
        "actor",
    }


def test_sqlite_writers_wait_for_the_lock(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    assert {"bookings", "booking_claims", "service_events", "handoff_cases"} <= set(
        engine.dialect.get_table_names(engine.connect())
    )


def test_an_unknown_actor_or_type_is_refused(tmp_path):
    """Only the three actors and the known event types reach the statistics."""
    log = EventLog(open_database(f"sqlite:///{tmp_path}/app.db"))
    assert ACTORS == ("assistant", "advisor", "self_service") and "form_shown" in EVENT_TYPES
    with pytest.raises(InvalidEvent) as refused:
        log.record(event_type="booking_made", point_id="p1", **{**FIELDS, "actor": "robot"})
    assert refused.value.reason == "bad_actor"
    with pytest.raises(InvalidEvent) as refused:
        log.record(event_type="form_given", point_id="p1", **FIELDS)
    assert refused.value.reason == "bad_event_type"
    assert log.list_events() == []


def test_the_store_refuses_a_category_not_of_the_authority(tmp_path):
    """Issue 14: with the catalogue's check, DVV with Kela's advice is never stored; a valid pair is."""
    cat = load_catalogue()
    log = EventLog(open_database(f"sqlite:///{tmp_path}/app.db"), cat.valid_pair)
    fields = {**FIELDS, "actor": "advisor", "authority": "dvv"}
    with pytest.raises(InvalidEvent) as refused:
        log.record(event_type="handoff_resolved", point_id="p1", **{**fields, "category": "advice"})
    assert refused.value.reason == "bad_pair"
    log.record(event_type="handoff_resolved", point_id="p1", **{**fields, "category": "receive_documents"})
    assert [(e["authority"], e["category"], e["actor"]) for e in log.list_events()] == [
        ("dvv", "receive_documents", "advisor")
    ]
