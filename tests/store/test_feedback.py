"""Feedback: the rating and redacted text stored, one feedback_recorded event in the same transaction."""

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.db import open_database
from store.events import EventLog
from store.feedback import AlreadyRated, FeedbackStore
from store.models import Feedback

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
    assert event["actor"] == "self_service"  # the customer gave it through the assistant, no staff


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


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("soita 358401234567", "soita <PHONE_NUMBER>"),
        ("numero 040/123 4567 tai 40 123 4567", "numero <PHONE_NUMBER> tai <PHONE_NUMBER>"),
        ("hetu131052\u2013308T", "hetu<ID_CODE>"),
        ("koodi 131052 - 308", "koodi <ID_CODE>"),
        ("aukeaa klo 9.00\u201316.00, 13.10.2026", "aukeaa klo 9.00\u201316.00, 13.10.2026"),
    ],
)
def test_todays_formats_are_stored_redacted(tmp_path, typed, stored):
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    FeedbackStore(engine).record(rating=2, text=typed, **FIELDS)
    with Session(engine) as session:
        assert session.execute(select(Feedback.text)).scalar_one() == stored


def test_text_stored_before_todays_redaction_is_shown_redacted(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    store = FeedbackStore(engine)
    store.record(rating=2, text="x", **FIELDS)
    with Session(engine) as session:  # as an older release stored it
        session.execute(update(Feedback).values(text="soita 040.123.4567"))
        session.commit()
    assert [f["text"] for f in store.list_feedback()] == ["soita <PHONE_NUMBER>"]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_workers_storing_one_conversations_feedback_at_once_keep_one(tmp_path, request, database):
    """The unique index decides, not a lock of one process: 20 posts at once on their own connections."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    url = f"sqlite:///{tmp_path}/app.db" if database == "sqlite" else request.getfixturevalue("postgres")
    engine = open_database(url)
    stores = [FeedbackStore(engine) for _ in range(2)]
    barrier = threading.Barrier(20)

    def post(n):
        barrier.wait()
        try:
            return stores[n % 2].record(rating=5, conversation_id="c-once", **FIELDS)
        except AlreadyRated:
            return None

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(post, range(20)))
    assert len([r for r in results if r is not None]) == 1
    assert len(stores[0].list_feedback("p1")) == 1 and len(EventLog(engine).list_events("p1")) == 1
