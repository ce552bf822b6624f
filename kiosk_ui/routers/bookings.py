"""Bookings on the web: the customer's calendar file and the advisor's list of remote appointments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from booking.ics import booking_ics
from kiosk_ui.deps import BookingClientDep, BookingConfigDep, CatalogueDep, require_advisor
from kiosk_ui.views.remote import upcoming_remote

router = APIRouter(tags=["bookings"])
Language = Annotated[str, Query(pattern="^(fi|sv|en)$", description="language of the calendar entry")]


@router.get(
    "/api/bookings/remote",
    summary="Today's and tomorrow's remote appointments per room",
    dependencies=[Depends(require_advisor)],
    responses={401: {"description": "not signed in as staff"}, 403: {"description": "not allowed"}},
)
def remote_appointments(client: BookingClientDep, cat: CatalogueDep) -> dict:
    """The point's remote rooms, each with its booked remote appointments, earliest first (staff only)."""
    return upcoming_remote(client, cat)


@router.get(
    "/bookings/{reference}.ics",
    summary="A booking as a calendar file (.ics)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def calendar_file(
    reference: str,
    client: BookingClientDep,
    config: BookingConfigDep,
    lang: Language = "fi",
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
