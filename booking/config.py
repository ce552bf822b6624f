"""Booking settings read from the catalogue: hours, topics, calendars and every text a customer sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from service_catalogue.loader import LANGUAGES, parse_hours

# minutes past midnight per weekday (0 = Monday): {0: ((540, 960),)}
Hours = dict  # dict[int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class Calendar:
    """A Kela expert's calendar: one appointment per slot."""

    id: str
    topic: str
    language: str
    kinds: tuple[str, ...]
    hours: Hours | None = None  # None: the kind's hours alone

    @property
    def resource(self) -> str:
        """The name its slots are claimed under in booking_claims."""
        return f"calendar:{self.id}"


@dataclass(frozen=True)
class Room:
    """A remote service room of the point: one video appointment per slot."""

    id: str
    name: dict
    hours: Hours

    @property
    def resource(self) -> str:
        """The name its slots are claimed under in booking_claims."""
        return f"room:{self.id}"


@dataclass(frozen=True, eq=False)
class BookingConfig:
    """booking.yml and the point's remote rooms, parsed; the loader has already validated both."""

    slot_minutes: int
    days_ahead: int
    min_notice_minutes: int
    timezone: str
    holiday_country: str
    closed_days: frozenset
    kind_hours: dict  # kind -> Hours
    topics: tuple[str, ...]
    calendars: tuple[Calendar, ...]
    rooms: tuple[Room, ...]
    point: dict
    texts: dict  # the booking.yml document, for names, labels and display formats
    service_topics: dict = field(default_factory=dict)
    situation_topics: dict = field(default_factory=dict)

    @classmethod
    def from_catalogue(cls, cat) -> BookingConfig:
        """The configuration of a loaded (validated) service_catalogue Catalogue."""
        return cls.from_documents(cat.booking, cat.point)

    @classmethod
    def from_documents(cls, booking: dict, point: dict) -> BookingConfig:
        """The configuration of a booking.yml document and a point.yml `point` entry."""
        return cls(
            slot_minutes=int(booking["slot_minutes"]),
            days_ahead=int(booking["days_ahead"]),
            min_notice_minutes=int(booking["min_notice_minutes"]),
            timezone=booking["timezone"],
            holiday_country=booking["holiday_country"],
            closed_days=frozenset(dt.date.fromisoformat(str(d)) for d in booking["closed_days"]),
            kind_hours={kind: parse_hours(entry["hours"]) for kind, entry in booking["kinds"].items()},
            topics=tuple(t["id"] for t in booking["topics"]),
            calendars=tuple(
                Calendar(
                    id=c["id"],
                    topic=c["topic"],
                    language=c["language"],
                    kinds=tuple(c["kinds"]),
                    hours=parse_hours(c["hours"]) if "hours" in c else None,
                )
                for c in booking["calendars"]
            ),
            rooms=tuple(
                Room(id=r["id"], name=r["name"], hours=parse_hours(r["hours"])) for r in point.get("remote_rooms", [])
            ),
            point=point,
            texts=booking,
            service_topics={s: t["id"] for t in booking["topics"] for s in t["services"]},
            situation_topics={k: t["id"] for t in booking["topics"] for k in t["life_situations"]},
        )

    @cached_property
    def tz(self) -> ZoneInfo:
        """The zone every wall-clock time in the configuration is in."""
        return ZoneInfo(self.timezone)

    @property
    def kinds(self) -> tuple[str, ...]:
        """'phone' and 'remote', in file order."""
        return tuple(self.kind_hours)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages an appointment can be held in."""
        return LANGUAGES

    def calendars_for(self, kind: str, topic: str, language: str) -> tuple[Calendar, ...]:
        """The calendars that take this kind of appointment on this topic in this language."""
        return tuple(c for c in self.calendars if c.topic == topic and c.language == language and kind in c.kinds)

    def room(self, room_id: str) -> Room | None:
        """A remote room by id."""
        return next((r for r in self.rooms if r.id == room_id), None)

    def check(self, kind: str, topic: str, language: str) -> None:
        """Raise ValueError naming whichever of kind, topic and language is unknown."""
        for what, value, known in (
            ("kind", kind, self.kinds),
            ("topic", topic, self.topics),
            ("language", language, self.languages),
        ):
            if value not in known:
                raise ValueError(f"unknown booking {what} {value!r} (known: {', '.join(known)})")

    def topic_for(self, service_id: str | None = None, life_situation: str | None = None) -> str | None:
        """The topic a service (first) or life situation (KE code) leads to, if any."""
        return self.service_topics.get(service_id or "") or self.situation_topics.get(life_situation or "")

    def label(self, name: str, lang: str) -> str:
        """A button label from booking.yml `labels`."""
        return self.texts["labels"][name][lang]

    def topic_name(self, topic: str, lang: str) -> str:
        """A topic's name."""
        return next(t["name"][lang] for t in self.texts["topics"] if t["id"] == topic)

    def kind_name(self, kind: str, lang: str) -> str:
        """'Puhelinaika', 'Telefontid', ..."""
        return self.texts["kinds"][kind]["name"][lang]

    def language_name(self, code: str, lang: str) -> str:
        """The name of language `code` written in language `lang` ('sv' in 'fi': 'ruotsi')."""
        return self.texts["language_names"][code][lang]

    def room_name(self, room_id: str, lang: str) -> str:
        """A remote room's name; KeyError for a room this configuration does not have."""
        room = self.room(room_id)
        if room is None:
            raise KeyError(f"unknown remote room {room_id!r}")
        return room.name[lang]

    def display(self, lang: str) -> dict:
        """Weekday and month names and the date and time formats of a language."""
        return self.texts["display"][lang]
