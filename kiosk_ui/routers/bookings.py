"""Bookings on the web: the customer's calendar file and the advisor's list of remote appointments."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from booking.client import Booking, BookingClient
from booking.config import BookingConfig
from booking.ics import booking_ics
from kiosk_ui.deps import get_booking_client, get_booking_config, get_catalogue, require_role
from service_catalogue.loader import Catalogue
from store.rows import HELSINKI

router = APIRouter(tags=["bookings"])
LANGUAGE = Query("fi", pattern="^(fi|sv|en)$", description="language of the calendar entry")


def appointment(booking: Booking) -> dict:
    """What the advisor needs to prepare the room: no phone number, no name."""
    return {
        "reference": booking.reference,
        "topic": booking.topic,
        "language": booking.language,
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
    }


@router.get(
    "/api/bookings/remote",
    summary="Today's and tomorrow's remote appointments per room",
    dependencies=[Depends(require_role("advisor"))],
    responses={401: {"description": "not signed in as staff"}, 403: {"description": "not allowed"}},
)
def remote_appointments(
    client: BookingClient = Depends(get_booking_client), cat: Catalogue = Depends(get_catalogue)
) -> dict:
    """The point's remote rooms, each with its booked remote appointments, earliest first (staff only)."""
    today = dt.datetime.now(HELSINKI).date()
    days = [today, today + dt.timedelta(days=1)]
    point = cat.point
    rooms = {
        room["id"]: {"id": room["id"], "name": room["name"], "appointments": []}
        for room in point.get("remote_rooms", [])
    }
    for booking in client.appointments(point["id"], "remote", days[0], days[-1]):
        if booking.room in rooms:
            rooms[booking.room]["appointments"].append(appointment(booking))
    return {"point": point["id"], "days": [d.isoformat() for d in days], "rooms": list(rooms.values())}


@router.get(
    "/bookings/{reference}.ics",
    summary="A booking as a calendar file (.ics)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def calendar_file(
    reference: str,
    lang: str = LANGUAGE,
    client: BookingClient = Depends(get_booking_client),
    config: BookingConfig = Depends(get_booking_config),
) -> Response:
    """The booking for the customer's own calendar; 404 when it is unknown or cancelled."""
    booking = client.find(reference)
    if booking is None or booking.status != "booked":
        raise HTTPException(status_code=404, detail="no such booking")
    return Response(
        booking_ics(booking, lang, config),
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="kela-{booking.reference}.ics"'},
    )
