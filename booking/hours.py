"""Whether the point is open now: its hours, Finnish public holidays and the catalogue's closed days.

One rule for the assistant (actions.handoff) and the web app's direct handoff (kiosk_ui.routers.chat):
a web customer is handed to a live advisor only while the point is open.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from booking.slots import holiday_dates
from service_catalogue.loader import Catalogue, parse_hours


def point_is_open(cat: Catalogue, now: dt.datetime | None = None) -> bool:
    """Within point.yml `hours` and not a public holiday or one of booking.yml's closed days."""
    booking = cat.booking
    local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(booking["timezone"]))
    day = local.date()
    if day.isoformat() in {str(d) for d in booking["closed_days"]} or day in holiday_dates(
        booking["holiday_country"], day.year
    ):
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in parse_hours(cat.point["hours"]).get(day.weekday(), ()))
