"""Feedback: the rating and redacted text stored, one feedback_recorded event in the same transaction."""

import datetime as dt

import pytest

from store.db import open_database
from store.events import EventLog
from store.feedback import FeedbackStore

FIELDS = {"point_id": "p1", "channel": "kiosk", "language": "fi", "authority": "kela"}


def test_feedback_is_stored_redacted_and_counted_once(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    store = FeedbackStore(engine)
    at = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
    store.record(rating=4, text="  Hyvä palvelu, hetu 010101-123N, soita 040 123 4567 ", received_at=at, **FIELDS)
    (row,) = store.list_feedback("p1")
    assert (row["rating"], row["authority"], row["received_at"]) == (4, "kela", at)
    assert "010101" not in row["text"] and "4567" not in row["text"]
    assert row["text"].startswith("Hyvä palvelu, hetu <ID_CODE>") and "<PHONE_NUMBER>" in row["text"]
    (event,) = EventLog(engine).list_events("p1")
    assert (
        event["event_type"],
        event["category"],
        event["authority"],
        event["channel"],
        event["language"],
        event["occurred_at"],
    ) == ("feedback_recorded", "feedback", "kela", "kiosk", "fi", at)


def test_empty_text_is_none_and_bad_ratings_are_refused(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    store = FeedbackStore(engine)
    store.record(rating=1, text="   ", **FIELDS)
    store.record(rating=5, **{**FIELDS, "point_id": "p2"})
    assert [f["text"] for f in store.list_feedback()] == [None, None]
    assert [f["rating"] for f in store.list_feedback(authority="kela")] == [1, 5]
    for rating in (0, 6):
        with pytest.raises(ValueError):
            store.record(rating=rating, **FIELDS)
    with pytest.raises(ValueError):
        store.record(rating=3, received_at=dt.datetime(2026, 1, 1), **FIELDS)
    assert len(EventLog(engine).list_events()) == 2


def test_long_text_is_cut_after_redaction(tmp_path):
    store = FeedbackStore(open_database(f"sqlite:///{tmp_path}/app.db"))
    store.record(rating=3, text="a" * 495 + " 0401234567", **FIELDS)
    (row,) = store.list_feedback()
    assert len(row["text"]) == 500 and "0401" not in row["text"]
