"""Remote appointments per room by day (today, tomorrow, any date), and the advisor's mark that a remote
connection was opened (today's only).

The page shows time, topic, language and booking reference, never the phone number.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from kiosk_ui.deps import (
    Advisor,
    BookingClientDep,
    BookingConfigDep,
    CatalogueDep,
    Events,
    StatisticsDep,
    Templates,
    TextsDep,
    staff_lang,
    staff_page,
)
from kiosk_ui.views.forms import form_body, staff_form
from kiosk_ui.views.records import local, now, records_texts, start_of_day
from kiosk_ui.views.remote import remote_on, todays_remote, upcoming_remote
from service_catalogue.loader import WEEKDAYS
from store.events import CATEGORIES

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
REMOTE_EVENT = "remote_connection_opened"
REMOTE_AUTHORITY = "kela"  # remote appointments are Kela's (booking.yml)


def _day(value: str | None, today: dt.date) -> dt.date:
    """The asked day (ISO, as the date picker sends it); today for none or a date that does not exist."""
    try:
        return dt.date.fromisoformat(value) if value else today
    except ValueError:
        return today


@router.get("/remote", response_class=HTMLResponse)
def remote_page(
    request: Request,
    info: Advisor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    client: BookingClientDep,
    config: BookingConfigDep,
    statistics: StatisticsDep,
    day: Annotated[str | None, Query(max_length=10, description="a Helsinki day, YYYY-MM-DD (default today)")] = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    records = records_texts(texts, lang)
    days = texts(lang)["remote"]
    today = now().date()
    shown = _day(day, today)
    opened = statistics.services_recorded(REMOTE_EVENT, cat.point["id"], start_of_day(now()))
    rooms: dict[str, dict[str, Any]] = {
        room["id"]: {"id": room["id"], "name": room["name"][lang], "appointments": []}
        for room in cat.point.get("remote_rooms", [])
    }
    for booking in remote_on(client, cat, shown):
        if booking.room in rooms:
            rooms[booking.room]["appointments"].append(
                {
                    "reference": booking.reference,
                    "opened": booking.reference in opened,
                    "time": f"{local(booking.start):%H.%M}–{local(booking.end):%H.%M}",
                    "topic": config.topic_name(booking.topic, lang),
                    "language": records["languages"].get(booking.language, booking.language),
                }
            )
    error = request.query_params.get("error")
    done = request.query_params.get("opened")
    date_label = days["date"].format(
        weekday=days["weekdays"][WEEKDAYS[shown.weekday()]], day=shown.day, month=shown.month, year=shown.year
    )
    return templates.TemplateResponse(
        request,
        "staff_remote.html",
        {
            "r": records,
            "days": days,
            "rooms": list(rooms.values()),
            # Only today's connection can be opened: that is when the customer is in the room.
            "is_today": shown == today,
            "day": shown.isoformat(),
            "today": today.isoformat(),
            "tomorrow": (today + dt.timedelta(days=1)).isoformat(),
            "date_label": date_label,
            "error": error if error == "unknown_booking" else None,
            "opened_notice": done if done in opened else None,
        },
    )


@router.get("/remote.json", summary="Today's and tomorrow's remote appointments per room (staff)")
def remote_json(info: Advisor, client: BookingClientDep, cat: CatalogueDep) -> dict[str, Any]:
    """/api/bookings/remote under /staff, where the browser sends the staff session cookie."""
    return upcoming_remote(client, cat)


@router.post(
    "/remote/open",
    openapi_extra=form_body(reference={"type": "string", "maxLength": 32, "description": "a booking reference"}),
)
async def open_remote(
    request: Request,
    info: Advisor,
    cat: CatalogueDep,
    client: BookingClientDep,
    events: Events,
    statistics: StatisticsDep,
) -> Response:
    """Record that the remote connection of one of today's appointments was opened (once per appointment)."""
    form = await staff_form(request, info.csrf_token)
    reference = form.get("reference", "")
    booking = next((b for b in todays_remote(client, cat) if b.reference == reference), None)
    lang = quote(staff_lang(request))
    if booking is None:
        return Response(status_code=303, headers={"Location": f"/staff/remote?lang={lang}&error=unknown_booking"})
    # A second click (or a reload that re-posts) must not count the same connection twice.
    if reference not in statistics.services_recorded(REMOTE_EVENT, cat.point["id"], start_of_day(now())):
        # The booking reference is not personal data; it ties the event to the appointment.
        events.record(
            event_type=REMOTE_EVENT,
            actor="advisor",
            authority=REMOTE_AUTHORITY,
            category=CATEGORIES[REMOTE_EVENT],
            channel="kiosk",
            language=booking.language,
            point_id=cat.point["id"],
            service=reference,
        )
    return Response(status_code=303, headers={"Location": f"/staff/remote?lang={lang}&opened={quote(reference)}"})
