"""Appointment times as customers read them, in the formats of booking.yml `display`."""

from __future__ import annotations

import datetime as dt

from booking.config import BookingConfig


def _fields(moment: dt.datetime | dt.date, lang: str, config: BookingConfig) -> dict:
    if isinstance(moment, dt.datetime):
        # A naive datetime would be read in the server's zone; the label must be Helsinki time.
        if moment.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        moment = moment.astimezone(config.tz)
    display = config.display(lang)
    return {
        "weekday": display["weekdays"][moment.weekday()],
        "day": moment.day,
        "month": moment.month,
        "month_name": display["months"][moment.month - 1],
        "year": moment.year,
        "hour": getattr(moment, "hour", 0),
        "minute": getattr(moment, "minute", 0),
    }


def slot_label(start: dt.datetime, lang: str, config: BookingConfig) -> str:
    """'ti 24.11. klo 9.00', 'tis 24.11 kl. 9.00', 'Tue 24 Nov, 9:00'."""
    return config.display(lang)["slot"].format(**_fields(start, lang, config))


def slot_labels(start: dt.datetime, config: BookingConfig) -> dict[str, str]:
    """The slot's label in every language, for the reply payload: no client formats a date itself."""
    return {lang: slot_label(start, lang, config) for lang in config.languages}


def date_label(day: dt.date | dt.datetime, lang: str, config: BookingConfig) -> str:
    """'ti 24.11.2026', 'Tue 24 Nov 2026'."""
    return config.display(lang)["date"].format(**_fields(day, lang, config))


def time_label(moment: dt.datetime, lang: str, config: BookingConfig) -> str:
    """'klo 9.00', 'kl. 9.00', '9:00'."""
    return config.display(lang)["time"].format(**_fields(moment, lang, config))
