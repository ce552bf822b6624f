"""Booking, cancelling and moving: the database rules out double booking, even under a race."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.client import (
    REFERENCE_ALPHABET,
    Booking,
    BookingError,
    BookingNotFound,
    LocalBookingClient,
    SlotUnavailable,
)
from store.models import BookingClaim, BookingRow
from tests.booking.helpers import POINT, at, book

NOW = at(2026, 11, 23, 6)
NINE = at(2026, 11, 24, 9)  # Tuesday


def count(engine, model):
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar()


def claims(engine):
    with Session(engine) as session:
        return sorted((c.resource, c.start_at, c.booking_id) for c in session.execute(select(BookingClaim)).scalars())


def free_keys(client, kind="phone", topic="families", language="fi", limit=40):
    return {s.key for s in client.free_slots(kind, topic, language, now=NOW, limit=limit)}


@pytest.mark.parametrize("kind", ["phone", "remote"])
def test_a_hundred_parallel_bookings_of_one_slot_make_exactly_one(engine, client, kind):
    attempts = 100
    barrier = threading.Barrier(attempts)

    def attempt(_):
        barrier.wait()  # all threads start together, each with its own session and connection
        try:
            return book(client, NINE, kind=kind)
        except SlotUnavailable as error:
            return error

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(attempt, range(attempts)))
    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, SlotUnavailable)]
    assert (len(booked), len(refused)) == (1, attempts - 1)
    assert count(engine, BookingRow) == 1
    expected = ["calendar:families_fi"] + (["room:etapalveluhuone-1"] if kind == "remote" else [])
    assert [c[0] for c in claims(engine)] == expected
    assert {c[2] for c in claims(engine)} == {booked[0].id}
    assert NINE.isoformat() not in free_keys(client, kind)


def test_two_calendars_of_a_topic_take_two_bookings_of_a_time(make, config):
    second = type(config.calendars[0])(id="families_fi_2", topic="families", language="fi", kinds=("phone", "remote"))
    client = make(calendars=(*config.calendars, second))
    first, other = book(client, NINE), book(client, NINE)
    assert {first.calendar, other.calendar} == {"families_fi", "families_fi_2"}
    with pytest.raises(SlotUnavailable):
        book(client, NINE)
    # Remote: two experts are free at 10:00 but the point has one room.
    ten = at(2026, 11, 24, 10)
    assert book(client, ten, kind="remote").room == "etapalveluhuone-1"
    with pytest.raises(SlotUnavailable):
        book(client, ten, kind="remote")


@pytest.mark.parametrize(
    "start, why",
    [
        (at(2026, 11, 23, 7), "before min notice"),
        (at(2026, 11, 22, 9), "in the past"),
        (at(2026, 11, 28, 9), "Saturday"),
        (at(2026, 12, 24, 9), "Christmas Eve"),
        (at(2026, 11, 24, 16), "after phone hours"),
        (at(2026, 11, 24, 9, 15), "off the slot grid"),
        (at(2027, 1, 20, 9), "beyond days_ahead"),
    ],
)
def test_book_refuses_a_time_that_is_not_offered(client, start, why):
    with pytest.raises(SlotUnavailable):
        book(client, start)


def test_remote_after_room_hours_is_refused(client):
    with pytest.raises(SlotUnavailable):
        book(client, at(2026, 11, 24, 15), kind="remote")  # remote service ends at 15:00
    assert book(client, at(2026, 11, 24, 15)).kind == "phone"


def test_book_checks_its_arguments(client):
    with pytest.raises(ValueError, match="topic"):
        book(client, NINE, topic="taxes")
    with pytest.raises(ValueError, match="phone"):
        book(client, NINE, phone=None)
    with pytest.raises(ValueError, match="phone"):
        book(client, NINE, phone="12345")
    with pytest.raises(ValueError, match="aware"):
        book(client, NINE.replace(tzinfo=None))
    assert book(client, NINE, kind="remote", phone=None).phone is None
    assert count(client.engine, BookingRow) == 1


def test_a_booking_and_its_payload(client):
    booking = book(client, NINE, kind="remote", topic="housing", language="sv", phone="+358 40 123 4567")
    assert booking.status == "booked" and booking.phone == "+358401234567"
    assert booking.start == NINE and str(booking.start.tzinfo) == "Europe/Helsinki"
    assert booking.end - booking.start == dt.timedelta(minutes=30)
    assert booking.payload() == {
        "type": "booking",
        "id": booking.id,
        "reference": booking.reference,
        "kind": "remote",
        "topic": "housing",
        "language": "sv",
        "start": "2026-11-24T09:00:00+02:00",
        "end": "2026-11-24T09:30:00+02:00",
        "room": "etapalveluhuone-1",
    }
    assert "401234567" not in repr(booking) and "401234567" not in str(booking.payload())
    phone = book(client, NINE)
    assert "room" not in phone.payload()
    assert set(phone.payload()) == {"type", "id", "reference", "kind", "topic", "language", "start", "end"}


def test_references_look_right_and_are_found_loosely(client):
    booking = book(client, NINE)
    code = booking.reference
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(REFERENCE_ALPHABET)
    assert any(c.isdigit() for c in code)
    for spelling in (code, code.lower(), code.replace("-", ""), f" {code[:4].lower()} {code[5:]} "):
        assert client.find(spelling).id == booking.id
    assert client.find("ZZZZ-ZZZZ") is None
    assert client.find("abc") is None and client.find("") is None
    references = {book(client, at(2026, 11, 25, 9 + n // 2, 30 * (n % 2))).reference for n in range(10)}
    assert len(references) == 10


def test_cancel_frees_the_time(engine, client):
    booking = book(client, NINE, kind="remote")
    assert NINE.isoformat() not in free_keys(client, "remote")
    cancelled = client.cancel(booking.reference.lower(), now=NOW)
    assert cancelled.status == "cancelled" and client.find(booking.reference).status == "cancelled"
    assert claims(engine) == []
    assert NINE.isoformat() in free_keys(client, "remote")
    assert book(client, NINE, kind="remote").id != booking.id
    assert client.cancel(booking.reference, now=NOW).status == "cancelled"  # twice is harmless
    with pytest.raises(BookingNotFound):
        client.cancel("ZZZZ-ZZZZ", now=NOW)


def test_a_started_booking_cannot_be_cancelled_or_moved(client):
    booking = book(client, NINE)
    with pytest.raises(BookingError):
        client.cancel(booking.reference, now=NINE)
    with pytest.raises(BookingError):
        client.move(booking.reference, at(2026, 11, 26, 9), now=NINE + dt.timedelta(minutes=1))


def test_move_keeps_the_booking_and_frees_the_old_time(engine, client):
    booking = book(client, NINE, kind="remote", phone="0401234567")
    ten = at(2026, 11, 24, 10)
    moved = client.move(booking.reference, ten, now=NOW)
    assert (moved.id, moved.reference, moved.kind, moved.topic, moved.language, moved.phone) == (
        booking.id,
        booking.reference,
        "remote",
        "families",
        "fi",
        "+358401234567",
    )
    assert moved.start == ten and moved.room == "etapalveluhuone-1"
    assert [c[1].hour for c in claims(engine)] == [8, 8]  # 10:00 Helsinki is 08:00 UTC
    assert NINE.isoformat() in free_keys(client, "remote")
    assert ten.isoformat() not in free_keys(client, "remote")
    assert client.move(booking.reference, ten, now=NOW).start == ten  # to the same time: no change


def test_move_to_a_taken_or_invalid_time_leaves_the_booking_where_it_was(engine, client):
    mine = book(client, NINE)
    other = book(client, at(2026, 11, 24, 10))
    before = claims(engine)
    for target in (other.start, at(2026, 11, 28, 9), at(2026, 11, 23, 7)):
        with pytest.raises(SlotUnavailable):
            client.move(mine.reference, target, now=NOW)
        assert client.find(mine.reference).start == NINE
        assert claims(engine) == before
    with pytest.raises(BookingNotFound):
        client.move("ZZZZ-ZZZZ", NINE, now=NOW)
    client.cancel(mine.reference, now=NOW)
    with pytest.raises(BookingError):
        client.move(mine.reference, at(2026, 11, 24, 11), now=NOW)


def test_move_is_atomic_when_the_new_time_is_taken_at_the_last_moment(engine, client, monkeypatch):
    mine = book(client, NINE)
    eleven = at(2026, 11, 24, 11)
    theirs = book(client, eleven)
    # Pretend the pre-check saw 11:00 free (a concurrent booking won the race after it).
    monkeypatch.setattr(LocalBookingClient, "_free_candidates", lambda self, candidates, start: candidates)
    before = claims(engine)
    with pytest.raises(SlotUnavailable):
        client.move(mine.reference, eleven, now=NOW)
    assert claims(engine) == before  # the old claim was not deleted
    assert client.find(mine.reference).start == NINE and client.find(theirs.reference).start == eleven


def test_appointments_lists_booked_ones_of_a_kind_by_start(client):
    later = book(client, at(2026, 11, 25, 10), kind="remote")
    earlier = book(client, at(2026, 11, 24, 12), kind="remote", topic="pensions")
    gone = book(client, at(2026, 11, 24, 13), kind="remote", topic="studies")
    book(client, at(2026, 11, 24, 9))  # phone
    book(client, at(2026, 11, 26, 9), kind="remote")  # outside the days asked
    client.cancel(gone.reference, now=NOW)
    listed = client.appointments(POINT, "remote", dt.date(2026, 11, 24), dt.date(2026, 11, 25))
    assert [b.id for b in listed] == [earlier.id, later.id]
    assert client.appointments("another-point", "remote", dt.date(2026, 11, 24), dt.date(2026, 11, 25)) == []
