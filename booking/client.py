"""The booking interface, and the local implementation that keeps appointments in our database."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking import slots as slotting
from booking.config import BookingConfig, Calendar, Room
from booking.phone import normalise_phone
from service_catalogue.loader import parse_hours
from store.models import BookingClaim, BookingRow
from store.rows import to_db as _to_db

UTC = dt.UTC
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to mix up on paper
REFERENCE_LENGTH = 8


class BookingError(Exception):
    """Booking failed; the subclasses say why."""


class SlotUnavailable(BookingError):
    """The time is taken, past, too soon, too far ahead, outside the hours or on a holiday."""


class BookingNotFound(BookingError):
    """No booking has this reference."""


@dataclass(frozen=True)
class Slot:
    """A free appointment time of one kind, topic and language."""

    start: dt.datetime  # aware, in the booking time zone
    end: dt.datetime
    kind: str
    topic: str
    language: str

    @property
    def key(self) -> str:
        """The start in ISO 8601 with its offset, e.g. '2026-11-24T09:00:00+02:00'."""
        return self.start.isoformat()


@dataclass
class Booking:
    """A booked (or cancelled) appointment."""

    id: int
    reference: str  # "XXXX-XXXX"
    kind: str
    topic: str
    language: str
    start: dt.datetime  # aware, in the booking time zone
    end: dt.datetime
    room: str | None  # remote room id; None for a phone appointment
    status: str  # "booked" or "cancelled"
    point_id: str
    channel: str
    created_at: dt.datetime
    calendar: str | None = None
    phone: str | None = field(default=None, repr=False)  # personal data: kept out of logs

    def payload(self) -> dict:
        """The reply contract's `{"type": "booking", ...}` payload; never the phone number."""
        data = {
            "type": "booking",
            "id": self.id,
            "reference": self.reference,
            "kind": self.kind,
            "topic": self.topic,
            "language": self.language,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.kind == "remote":
            data["room"] = self.room
        return data


def format_reference(code: str) -> str:
    """'ABCD2345' as 'ABCD-2345'."""
    return f"{code[:4]}-{code[4:]}"


def normalise_reference(text: str) -> str:
    """'abcd 2345', 'ABCD-2345' and 'abcd2345' all become 'ABCD2345'."""
    return re.sub(r"[^0-9A-Za-z]", "", str(text or "")).upper()


def new_reference() -> str:
    """A random reference with at least one digit, so two typed words are never taken for one."""
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if any(c.isdigit() for c in code):
            return code


class BookingClient(ABC):
    """Kela appointment booking, whatever system keeps the appointments.

    A real Kela booking system plugs in as a subclass that implements these methods over its API
    (raising SlotUnavailable / BookingNotFound as here, returning Slot and Booking) and is chosen
    in `actions.services`; the conversation code only ever sees this interface. Every datetime passed
    in must be timezone-aware; every datetime returned is aware, in the booking time zone.
    """

    @abstractmethod
    def free_slots(
        self,
        kind: str,
        topic: str,
        language: str,
        *,
        after: dt.datetime | None = None,
        limit: int = 4,
        now: dt.datetime | None = None,
    ) -> list[Slot]:
        """Up to `limit` free times, earliest first, each starting strictly after `after`."""

    @abstractmethod
    def book(
        self,
        *,
        kind: str,
        topic: str,
        language: str,
        start: dt.datetime,
        phone: str | None,
        point_id: str,
        channel: str,
        now: dt.datetime | None = None,
    ) -> Booking:
        """Book the slot starting at `start`, or raise SlotUnavailable."""

    @abstractmethod
    def cancel(self, reference: str, now: dt.datetime | None = None) -> Booking:
        """Cancel a booking; its time becomes bookable again."""

    @abstractmethod
    def move(self, reference: str, start: dt.datetime, now: dt.datetime | None = None) -> Booking:
        """Move a booking (same kind, topic, language, phone); SlotUnavailable leaves it unmoved."""

    @abstractmethod
    def find(self, reference: str) -> Booking | None:
        """A booking by its reference, spelled loosely ('abcd 2345'), or None."""

    @abstractmethod
    def appointments(self, point_id: str, kind: str, first_day: dt.date, last_day: dt.date) -> list[Booking]:
        """The point's booked (not cancelled) appointments of a kind on these local days, by start."""


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


class LocalBookingClient(BookingClient):
    """Appointments in the assistant's own SQL database (SQLite or PostgreSQL)."""

    # The primary key of booking_claims (resource, start) is what rules out double booking: a
    # booking and every resource it takes (the expert's calendar and, for a remote appointment,
    # a room) are written in one transaction, so a concurrent booking of the same resource fails
    # on the constraint and tries the next free calendar instead.

    def __init__(self, engine, config: BookingConfig, point: dict | None = None):
        self.engine = engine
        self.config = config
        self.point = point or config.point
        # The rooms belong to the point this client serves (a config may come from another point).
        self.rooms: tuple[Room, ...] = (
            config.rooms
            if point is None
            else tuple(
                Room(id=r["id"], name=r["name"], hours=parse_hours(r["hours"])) for r in point.get("remote_rooms", [])
            )
        )

    # -- reading ---------------------------------------------------------------------------

    def _local(self, moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=UTC).astimezone(self.config.tz)

    def _booking(self, row: BookingRow) -> Booking:
        return Booking(
            id=row.id,
            reference=format_reference(row.reference),
            kind=row.kind,
            topic=row.topic,
            language=row.language,
            start=self._local(row.start_at),
            end=self._local(row.end_at),
            room=row.room,
            status=row.status,
            point_id=row.point_id,
            channel=row.channel,
            created_at=self._local(row.created_at),
            calendar=row.calendar,
            phone=row.phone,
        )

    def _pairs(self, kind: str, topic: str, language: str):
        """(calendar, room or None, hours that must all hold) for every way to hold the appointment."""
        hours = self.config.kind_hours[kind]
        for calendar in self.config.calendars_for(kind, topic, language):
            if kind == "remote":
                for room in self.rooms:
                    yield calendar, room, (hours, calendar.hours, room.hours)
            else:
                yield calendar, None, (hours, calendar.hours)

    def _taken(
        self, session: Session, resources: set[str], first: dt.datetime, last: dt.datetime
    ) -> set[tuple[str, dt.datetime]]:
        """Claimed (resource, naive UTC start) pairs between two instants, both included."""
        if not resources:
            return set()
        rows = session.execute(
            select(BookingClaim.resource, BookingClaim.start_at).where(
                BookingClaim.resource.in_(sorted(resources)),
                BookingClaim.start_at >= _to_db(first),
                BookingClaim.start_at <= _to_db(last),
            )
        )
        return {(resource, start) for resource, start in rows}

    @staticmethod
    def _resources(pairs) -> set[str]:
        return {r.resource for c, room, _ in pairs for r in (c, room) if r is not None}

    def free_slots(self, kind, topic, language, *, after=None, limit=4, now=None):
        self.config.check(kind, topic, language)
        now = _now(now)
        if after is not None and after.tzinfo is None:
            raise ValueError("after must be timezone-aware")
        earliest, first_day, last_day = slotting.window(self.config, now)
        if after is not None:
            first_day = max(first_day, after.astimezone(self.config.tz).date())
        pairs = list(self._pairs(kind, topic, language))
        if limit <= 0 or not pairs or first_day > last_day:
            return []
        span_start = slotting.wall_instant(self.config, first_day, 0)
        span_end = slotting.wall_instant(self.config, last_day + dt.timedelta(days=1), 0)
        with Session(self.engine) as session:
            taken = self._taken(session, self._resources(pairs), span_start, span_end)
        step = dt.timedelta(minutes=self.config.slot_minutes)
        found: list[Slot] = []
        for day in slotting.days(first_day, last_day):
            free = set()
            for calendar, room, hours in pairs:
                for start in slotting.slot_starts(self.config, day, hours):
                    key = start.replace(tzinfo=None)
                    if (
                        start < earliest
                        or (after is not None and start <= after)
                        or (calendar.resource, key) in taken
                        or (room is not None and (room.resource, key) in taken)
                    ):
                        continue
                    free.add(start)
            for start in sorted(free):
                found.append(
                    Slot(
                        start=start.astimezone(self.config.tz),
                        end=(start + step).astimezone(self.config.tz),
                        kind=kind,
                        topic=topic,
                        language=language,
                    )
                )
                if len(found) >= limit:
                    return found
        return found

    def _find_row(self, session: Session, reference: str) -> BookingRow | None:
        code = normalise_reference(reference)
        if len(code) != REFERENCE_LENGTH:
            return None
        return session.execute(select(BookingRow).where(BookingRow.reference == code)).scalar()

    def find(self, reference):
        with Session(self.engine) as session:
            row = self._find_row(session, reference)
            return self._booking(row) if row else None

    def appointments(self, point_id, kind, first_day, last_day):
        first = slotting.wall_instant(self.config, first_day, 0)
        end = slotting.wall_instant(self.config, last_day + dt.timedelta(days=1), 0)
        with Session(self.engine) as session:
            rows = session.execute(
                select(BookingRow)
                .where(
                    BookingRow.point_id == point_id,
                    BookingRow.kind == kind,
                    BookingRow.status == "booked",
                    BookingRow.start_at >= _to_db(first),
                    BookingRow.start_at < _to_db(end),
                )
                .order_by(BookingRow.start_at, BookingRow.id)
            ).scalars()
            return [self._booking(row) for row in rows]

    # -- writing ---------------------------------------------------------------------------

    def _candidates(self, kind, topic, language, start: dt.datetime, now: dt.datetime):
        """The (calendar, room) pairs whose hours offer `start` now; SlotUnavailable if none do."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        start = start.astimezone(UTC)
        found = [
            (calendar, room)
            for calendar, room, hours in self._pairs(kind, topic, language)
            if slotting.is_offerable(self.config, start, hours, now)
        ]
        if not found:
            raise SlotUnavailable(f"{start.isoformat()} is not an offered {kind} time for {topic} in {language}")
        return start, found

    def _claim(
        self, session: Session, booking_id: int, calendar: Calendar, room: Room | None, start: dt.datetime
    ) -> None:
        for resource in (calendar, room):
            if resource is not None:
                session.add(BookingClaim(resource=resource.resource, start_at=_to_db(start), booking_id=booking_id))

    def _free_candidates(self, candidates, start: dt.datetime):
        """The candidates none of whose resources is claimed at `start` right now."""
        with Session(self.engine) as session:
            taken = {
                resource
                for resource, _ in self._taken(
                    session, self._resources((c, r, None) for c, r in candidates), start, start
                )
            }
        return [(c, r) for c, r in candidates if c.resource not in taken and (r is None or r.resource not in taken)]

    def _claimed(self, calendar: Calendar, room: Room | None, start: dt.datetime) -> bool:
        """Whether either resource is claimed at `start` (after a failed insert: was it the slot?)."""
        return not self._free_candidates([(calendar, room)], start)

    def book(self, *, kind, topic, language, start, phone, point_id, channel, now=None):
        self.config.check(kind, topic, language)
        now = _now(now)
        if phone is not None:
            normalised = normalise_phone(phone)
            if normalised is None:
                raise ValueError("not a valid phone number")
            phone = normalised
        if kind == "phone" and phone is None:
            raise ValueError("a phone appointment needs the customer's phone number")
        if kind == "remote" and point_id != self.point["id"]:
            raise ValueError(f"remote rooms of point {point_id!r} are not known here")
        start, candidates = self._candidates(kind, topic, language, start, now)
        end = start + dt.timedelta(minutes=self.config.slot_minutes)
        for calendar, room in self._free_candidates(candidates, start):
            for _ in range(5):  # a new reference if the (astronomically unlikely) clash was on it
                code = new_reference()
                row = BookingRow(
                    reference=code,
                    kind=kind,
                    topic=topic,
                    language=language,
                    calendar=calendar.id,
                    room=room.id if room else None,
                    start_at=_to_db(start),
                    end_at=_to_db(end),
                    status="booked",
                    point_id=point_id,
                    channel=channel,
                    phone=phone,
                    created_at=_to_db(now),
                    updated_at=_to_db(now),
                )
                with Session(self.engine) as session:
                    try:
                        session.add(row)
                        session.flush()  # the booking's id, for its claims
                        self._claim(session, row.id, calendar, room, start)
                        session.commit()
                    except IntegrityError:
                        session.rollback()
                        if self._claimed(calendar, room, start):
                            break  # someone else took this calendar or room: try the next one
                        continue
                    return self._booking(row)
        raise SlotUnavailable(f"{start.isoformat()} was taken")

    def cancel(self, reference, now=None):
        now = _now(now)
        with Session(self.engine) as session:
            row = self._find_row(session, reference)
            if row is None:
                raise BookingNotFound(reference)
            if row.status != "cancelled":
                if _to_db(now) >= row.start_at:
                    raise BookingError(f"booking {format_reference(row.reference)} has already started")
                row.status = "cancelled"
                row.updated_at = _to_db(now)
                # Freeing the claims in the same transaction makes the time bookable again at once.
                session.execute(delete(BookingClaim).where(BookingClaim.booking_id == row.id))
                session.commit()
            return self._booking(row)

    def move(self, reference, start, now=None):
        now = _now(now)
        current = self.find(reference)
        if current is None:
            raise BookingNotFound(reference)
        if current.status != "booked":
            raise BookingError(f"booking {current.reference} is cancelled")
        if current.start <= now:
            raise BookingError(f"booking {current.reference} has already started")
        start, candidates = self._candidates(current.kind, current.topic, current.language, start, now)
        if start == current.start:
            return current
        end = start + dt.timedelta(minutes=self.config.slot_minutes)
        for calendar, room in self._free_candidates(candidates, start):
            with Session(self.engine) as session:
                row = session.get(BookingRow, current.id)
                if row is None or row.status != "booked":  # cancelled (or gone) meanwhile
                    raise BookingError(f"booking {current.reference} is cancelled")
                try:
                    # One transaction: the old claims go only if the new ones are written.
                    session.execute(delete(BookingClaim).where(BookingClaim.booking_id == row.id))
                    self._claim(session, row.id, calendar, room, start)
                    row.start_at, row.end_at = _to_db(start), _to_db(end)
                    row.calendar, row.room = calendar.id, room.id if room else None
                    row.updated_at = _to_db(now)
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                return self._booking(row)
        raise SlotUnavailable(f"{start.isoformat()} was taken")
