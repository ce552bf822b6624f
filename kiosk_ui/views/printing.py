"""What every print sheet shows (the forms', the bookings' and the staff's receipts)."""

from __future__ import annotations

import datetime as dt

from booking.config import BookingConfig
from booking.views import date_label


def printed_at(config: BookingConfig, lang: str) -> str:
    """Today's date as customers read it."""
    return date_label(dt.datetime.now(config.tz), lang, config)
