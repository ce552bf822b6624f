"""Which appointment times exist: weekly hours, holidays, notice and horizon, across DST changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays

from booking.config import BookingConfig, Hours

UTC = dt.UTC
WHOLE_DAY = ((0, 24 * 60),)


@lru_cache(maxsize=64)
def holiday_dates(country: str, year: int) -> frozenset:
    """The public holidays of a country in a year (cached: the library builds them on each call)."""
    return frozenset(holidays.country_holidays(country, years=year))


def is_closed_day(config: BookingConfig, day: dt.date) -> bool:
    """A public holiday or one of booking.yml's closed_days."""
    return day in config.closed_days or day in holiday_dates(config.holiday_country, day.year)


def _intersect(first: tuple, second: tuple) -> tuple:
    """The common part of two sorted lists of (start, end) minute spans."""
    out, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            out.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def day_spans(day: dt.date, hours_list: Iterable[Hours | None]) -> tuple:
    """The wall-clock minute spans of a weekday that every set of hours shares (None: no limit)."""
    spans = WHOLE_DAY
    for hours in hours_list:
        if hours is not None:
            spans = _intersect(spans, hours.get(day.weekday(), ()))
    return spans


def wall_instant(config: BookingConfig, day: dt.date, minute: int) -> dt.datetime:
    """The UTC instant of a wall-clock time of a local day (minute 1440 is the next midnight)."""
    # A time inside the spring-forward gap maps past the gap (fold=0 takes the offset before it),
    # so a span that starts in the gap starts when the clocks resume.
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return naive.replace(tzinfo=config.tz).astimezone(UTC)


def slot_starts(config: BookingConfig, day: dt.date, hours_list: Iterable[Hours | None]) -> list:
    """Slot starts (aware UTC) of a local day, ignoring notice, horizon and bookings."""
    # Stepping in real time from the opening instant makes every slot exactly slot_minutes long:
    # on the spring-forward day the missing hour's wall times never appear, and on the fall-back
    # day the repeated hour is offered twice (two different instants).
    if is_closed_day(config, day):
        return []
    step = dt.timedelta(minutes=config.slot_minutes)
    starts = []
    for first, last in day_spans(day, hours_list):
        start, end = wall_instant(config, day, first), wall_instant(config, day, last)
        while start + step <= end:
            starts.append(start)
            start += step
    return starts


def window(config: BookingConfig, now: dt.datetime) -> tuple[dt.datetime, dt.date, dt.date]:
    """(earliest start allowed by min_notice, first local day, last local day within days_ahead)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(config.tz).date()
    earliest = now.astimezone(UTC) + dt.timedelta(minutes=config.min_notice_minutes)
    return earliest, today, today + dt.timedelta(days=config.days_ahead)


def days(first: dt.date, last: dt.date):
    """Every date from first to last, both included."""
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def is_offerable(
    config: BookingConfig, start: dt.datetime, hours_list: Iterable[Hours | None], now: dt.datetime
) -> bool:
    """Whether `start` is a slot start these hours offer at `now` (free or not)."""
    earliest, first_day, last_day = window(config, now)
    start = start.astimezone(UTC)
    day = start.astimezone(config.tz).date()
    if start < earliest or not first_day <= day <= last_day:
        return False
    return start in slot_starts(config, day, hours_list)
