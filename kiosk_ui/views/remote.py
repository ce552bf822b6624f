"""Remote appointments as the advisors see them: per room, without a phone number or a name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from booking.client import Booking, BookingClient
from service_catalogue.loader import Catalogue
from store.rows import HELSINKI


def appointment(booking: Booking) -> dict[str, Any]:
    """What the advisor needs to prepare the room: no phone number, no name."""
    return {
        "reference": booking.reference,
        "topic": booking.topic,
        "language": booking.language,
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
    }


def upcoming_remote(client: BookingClient, cat: Catalogue) -> dict[str, Any]:
    """Today's and tomorrow's remote appointments of the point's rooms, earliest first."""
    today = dt.datetime.now(HELSINKI).date()
    days = [today, today + dt.timedelta(days=1)]
    point = cat.point
    rooms: dict[str, dict[str, Any]] = {
        room["id"]: {"id": room["id"], "name": room["name"], "appointments": []}
        for room in point.get("remote_rooms", [])
    }
    for booking in client.appointments(point["id"], "remote", days[0], days[-1]):
        if booking.room in rooms:
            rooms[booking.room]["appointments"].append(appointment(booking))
    return {"point": point["id"], "days": [d.isoformat() for d in days], "rooms": list(rooms.values())}


def remote_on(client: BookingClient, cat: Catalogue, day: dt.date) -> list[Booking]:
    """The booked remote appointments of one Helsinki day at the point."""
    return client.appointments(cat.point["id"], "remote", day, day)


def todays_remote(client: BookingClient, cat: Catalogue) -> list[Booking]:
    """Today's booked remote appointments at the point."""
    return remote_on(client, cat, dt.datetime.now(HELSINKI).date())
