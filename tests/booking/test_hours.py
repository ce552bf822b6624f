"""The point's closing time a case expires at: Helsinki wall-clock hours, public holidays, closed days, DST."""

import dataclasses
import datetime as dt

import pytest

from booking.hours import closes_after, point_is_open
from store.rows import HELSINKI

UTC = dt.UTC


def at(*parts: int) -> dt.datetime:
    """A Helsinki wall-clock time as an aware datetime."""
    return dt.datetime(*parts, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("created", "expires"),
    [
        # An ordinary Monday in winter (UTC+2): 16:00 in Helsinki is 14:00 UTC.
        (at(2026, 11, 23, 10, 0), dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC)),
        # Made before opening: that day's closing.
        (at(2026, 11, 23, 7, 30), dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC)),
        # Summer time (UTC+3), the Friday before the clocks go back: 16:00 is 13:00 UTC.
        (at(2026, 10, 23, 15, 59), dt.datetime(2026, 10, 23, 13, 0, tzinfo=UTC)),
        # The Monday after (UTC+2 again): 16:00 is 14:00 UTC.
        (at(2026, 10, 26, 9, 0), dt.datetime(2026, 10, 26, 14, 0, tzinfo=UTC)),
        # The Sunday the clocks go back has no hours and lasts 25 hours: it ends at Monday 00:00 local.
        (at(2026, 10, 25, 2, 30), dt.datetime(2026, 10, 25, 22, 0, tzinfo=UTC)),
        # The Sunday the clocks go forward lasts 23 hours: Monday 00:00 local is 21:00 UTC.
        (at(2026, 3, 29, 1, 0), dt.datetime(2026, 3, 29, 21, 0, tzinfo=UTC)),
        # Christmas Eve is a public holiday on a Thursday: no closing at 16:00, the day's end instead.
        (at(2026, 12, 24, 10, 0), dt.datetime(2026, 12, 24, 22, 0, tzinfo=UTC)),
        # Made after closing: the day's end, never at once.
        (at(2026, 11, 23, 16, 30), dt.datetime(2026, 11, 23, 22, 0, tzinfo=UTC)),
    ],
)
def test_a_case_expires_at_its_days_closing_in_helsinki(catalogue, created, expires):
    """The example point closes at 16:00 on weekdays; days without hours end at local midnight."""
    assert closes_after(catalogue, created) == expires
    assert closes_after(catalogue, created.astimezone(UTC)) == expires


def test_a_closed_day_of_the_catalogue_is_a_day_without_closing(catalogue):
    """booking.yml's closed_days (the point's exceptions) count like public holidays."""
    closed = dataclasses.replace(catalogue, booking={**catalogue.booking, "closed_days": ["2026-11-25"]})
    assert closes_after(closed, at(2026, 11, 25, 10, 0)) == dt.datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    assert not point_is_open(closed, at(2026, 11, 25, 10, 0))
    assert closes_after(catalogue, at(2026, 11, 25, 10, 0)) == dt.datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_a_lunch_break_is_not_the_closing_and_sunday_hours_follow_the_clock_change(catalogue):
    """The day's last closing counts; on the 25-hour Sunday 14:00 local is 12:00 UTC (UTC+2 by then)."""
    hours = {"mon": ["09:00-11:30", "12:30-16:00"], "sun": ["10:00-14:00"]}
    point = dataclasses.replace(catalogue, point={**catalogue.point, "hours": hours})
    assert closes_after(point, at(2026, 11, 23, 12, 0)) == dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert closes_after(point, at(2026, 10, 25, 1, 0)) == dt.datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
    assert point_is_open(point, at(2026, 10, 25, 13, 59)) and not point_is_open(point, at(2026, 10, 25, 14, 0))
