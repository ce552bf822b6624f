"""A booking as an iCalendar (.ics) file for the customer's calendar; used by the web app."""

from __future__ import annotations

from icalendar import Calendar, Event  # only the web environment installs icalendar

from booking.client import Booking
from booking.config import BookingConfig

PRODID = "-//Asiointipisteen avustaja//Kela booking//FI"


def booking_ics(booking: Booking, lang: str, config: BookingConfig) -> bytes:
    """One VEVENT for the booking, texts from booking.yml; never the phone number."""
    texts = config.texts["kinds"][booking.kind]
    room = config.room_name(booking.room, lang) if booking.room and config.room(booking.room) else ""
    fields = {"topic": config.topic_name(booking.topic, lang), "reference": booking.reference, "room": room}
    event = Event()
    # The reference is unique and stable, so a moved booking's new file replaces the old event.
    event.add("uid", f"{booking.reference}@{booking.point_id}")
    event.add("dtstamp", booking.created_at)
    event.add("dtstart", booking.start)  # aware Europe/Helsinki: written with TZID
    event.add("dtend", booking.end)
    event.add("summary", texts["ics_summary"][lang].format(**fields))
    event.add("description", texts["ics_description"][lang].format(**fields))
    if booking.kind == "remote":
        point = config.point
        event.add("location", ", ".join(p for p in (room, point["name"][lang], point["address"][lang]) if p))
    event.add("status", "CANCELLED" if booking.status == "cancelled" else "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for Europe/Helsinki, so TZID resolves anywhere
    return calendar.to_ical()
