"""The .ics file of a booking (web environment: skipped where icalendar is not installed)."""

import pytest

icalendar = pytest.importorskip("icalendar")

# After the skip: booking.ics imports icalendar, which only the web environment has.
from booking.ics import booking_ics  # noqa: E402 (must follow importorskip)
from tests.booking.helpers import at, book  # noqa: E402 (must follow importorskip)


def test_remote_booking_as_ics(client, config):
    booking = book(client, at(2026, 11, 24, 9), kind="remote", phone="040 123 4567")
    data = booking_ics(booking, "fi", config)
    text = data.decode("utf-8")
    assert "DTSTART;TZID=Europe/Helsinki:20261124T090000" in text
    assert "DTEND;TZID=Europe/Helsinki:20261124T093000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Helsinki" in text
    assert f"UID:{booking.reference}@example-point" in text
    unfolded = text.replace("\r\n ", "")
    assert booking.reference in unfolded.split("DESCRIPTION:")[1]
    assert "Kelan videotapaaminen: Lapsiperheet" in unfolded
    assert "Etäpalveluhuone 1" in unfolded.split("LOCATION:")[1]
    assert "401234567" not in unfolded and "4567" not in unfolded
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.start
    assert event.decoded("dtend") == booking.end


def test_phone_booking_in_swedish_and_cancelled(client, config):
    booking = book(client, at(2026, 11, 24, 9), topic="pensions", language="sv")
    booking = client.cancel(booking.reference, now=at(2026, 11, 23, 6))
    text = booking_ics(booking, "sv", config).decode("utf-8").replace("\r\n ", "")
    assert "SUMMARY:FPA:s telefontid: Pensioner" in text
    assert "STATUS:CANCELLED" in text and "LOCATION" not in text
    assert booking.reference in text and "4567" not in text
