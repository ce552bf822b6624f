"""Whether the point is open now, and when it closes: its hours, Finnish public holidays and the catalogue's
closed days.

One rule for the assistant (actions.handoff), the web app's direct handoff (kiosk_ui.routers.chat) and the
queue's expiry (kiosk_ui.expiry): a web customer is handed to a live advisor only while the point is open,
and a case still open when the point closes expires.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from booking.slots import holiday_dates
from service_catalogue.loader import Catalogue, parse_hours


def _is_closed_day(cat: Catalogue, day: dt.date) -> bool:
    booking = cat.booking
    return day.isoformat() in {str(d) for d in booking["closed_days"]} or day in holiday_dates(
        booking["holiday_country"], day.year
    )


def _spans(cat: Catalogue, day: dt.date) -> tuple[tuple[int, int], ...]:
    """The point's opening spans of a local day in wall-clock minutes; none on a holiday or closed day."""
    if _is_closed_day(cat, day):
        return ()
    return parse_hours(cat.point["hours"]).get(day.weekday(), ())


def point_is_open(cat: Catalogue, now: dt.datetime | None = None) -> bool:
    """Within point.yml `hours` and not a public holiday or one of booking.yml's closed days."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(cat.booking["timezone"]))
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in _spans(cat, local.date()))


def _wall(tz: ZoneInfo, day: dt.date, minute: int) -> dt.datetime:
    """The aware UTC instant of a wall-clock minute of a local day (1440 is the next midnight)."""
    # Adding the minutes to the naive midnight and only then attaching the zone keeps wall-clock time on a
    # day whose clocks change: 16:00 is 16:00 local, whatever the offset was at midnight.
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return naive.replace(tzinfo=tz).astimezone(dt.UTC)


def closes_after(cat: Catalogue, created: dt.datetime) -> dt.datetime:
    """When a case made at `created` expires: the point's next closing that day (Helsinki time), or, made
    on a day without hours (weekend, holiday, closed day) or after closing, the end of that local day."""
    tz = ZoneInfo(cat.booking["timezone"])
    local = created.astimezone(tz)
    day, minute = local.date(), local.hour * 60 + local.minute
    # A case made during the lunch break waits for the afternoon: only the day's last closing counts.
    ends = [end for _start, end in _spans(cat, day) if end > minute]
    return _wall(tz, day, max(ends) if ends else 24 * 60)
