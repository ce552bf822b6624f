"""Tables, written for SQLAlchemy 1.4 (the Rasa environment) and 2.x (the web app) alike.

Every attribute is annotated `Mapped[...]` with the Python type it holds, so a type checker knows a
loaded row's `status` is a `str` and `HandoffCase.status == "x"` a SQL expression. At run time the
columns are plain `Column`s under `declarative_base()`: 1.4 has neither `DeclarativeBase` nor
`mapped_column`, and 2.x maps a `Column` under a `Mapped` annotation as it stands (its own
`nullable`, types and defaults), so both versions create the same tables. The type checker is shown
the 2.x spelling of the same thing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declarative_base

if TYPE_CHECKING:
    from sqlalchemy.orm import DeclarativeBase
    from sqlalchemy.orm import mapped_column as column

    class Base(DeclarativeBase):
        """The declarative base as SQLAlchemy 2 types it."""

else:
    Base = declarative_base()
    column = Column


class HandoffCase(Base):
    """A customer handed to the point's advisor. Holds no free text typed by the customer."""

    __tablename__ = "handoff_cases"
    __table_args__ = (UniqueConstraint("point_id", "day", "number", name="uq_ticket_per_point_day"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    point_id: Mapped[str] = column(String(64), nullable=False)
    day: Mapped[dt.date] = column(Date, nullable=False)  # the point's local day (Europe/Helsinki)
    number: Mapped[int] = column(Integer, nullable=False)
    ticket: Mapped[str] = column(String(16), nullable=False)
    created_at: Mapped[dt.datetime] = column(DateTime(timezone=True), nullable=False)
    conversation_id: Mapped[str] = column(String(128), nullable=False)
    language: Mapped[str] = column(String(2), nullable=False)
    channel: Mapped[str] = column(String(16), nullable=False)
    reason: Mapped[str] = column(String(32), nullable=False)
    life_situation: Mapped[str | None] = column(String(8))
    services: Mapped[list[str]] = column(JSON, nullable=False, default=list)
    forms: Mapped[list[str]] = column(JSON, nullable=False, default=list)
    intents: Mapped[list[str]] = column(JSON, nullable=False, default=list)
    summary: Mapped[str] = column(Text, nullable=False, default="")
    bookings: Mapped[list[str]] = column(
        JSON, nullable=False, default=list
    )  # references of bookings made in the conversation
    # pending | claimed | resolved | expired (still open when the point closed)
    status: Mapped[str] = column(String(16), nullable=False, default="pending")
    assignee: Mapped[str | None] = column(String(64))  # the staff username who has the case
    # True while an advisor chats with the customer and Rasa's conversation is paused.
    taken_over: Mapped[bool] = column(Boolean, nullable=False, default=False)
    outcome: Mapped[str | None] = column(String(32))
    authority: Mapped[str | None] = column(String(64))  # the authority the matter concerned, named when resolving
    category: Mapped[str | None] = column(String(64))  # its service category (advisor task), named when resolving
    resolved_at: Mapped[dt.datetime | None] = column(DateTime(timezone=True))


class CaseChange(Base):
    """One thing that happened to a case, in order: the dashboards' and the customer screens' feed.

    `text` is only set for chat messages during a takeover (customer text arrives redacted) and is
    wiped when the case is resolved: the transcript is needed while serving, not afterwards.
    """

    __tablename__ = "case_changes"

    id: Mapped[int] = column(Integer, primary_key=True)  # the feed's cursor (SSE Last-Event-ID)
    case_id: Mapped[int] = column(Integer, ForeignKey("handoff_cases.id"), nullable=False, index=True)
    point_id: Mapped[str] = column(String(64), nullable=False, index=True)
    at: Mapped[dt.datetime] = column(DateTime(timezone=True), nullable=False)
    # created | claimed | forwarded | taken_over | handed_back | resolved | message
    kind: Mapped[str] = column(String(16), nullable=False)
    actor: Mapped[str | None] = column(String(64))  # staff username, "customer" or None for the assistant
    text: Mapped[str | None] = column(Text)


class BookingRow(Base):
    """A Kela phone or remote appointment. Times are naive UTC: SQLite keeps no time zone."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_point_kind_start", "point_id", "kind", "start_at"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    reference: Mapped[str] = column(String(8), nullable=False, unique=True)  # shown as XXXX-XXXX
    kind: Mapped[str] = column(String(16), nullable=False)
    topic: Mapped[str] = column(String(64), nullable=False)
    language: Mapped[str] = column(String(2), nullable=False)
    calendar: Mapped[str] = column(String(64), nullable=False)
    room: Mapped[str | None] = column(String(64))  # remote appointments only
    start_at: Mapped[dt.datetime] = column(DateTime, nullable=False)
    end_at: Mapped[dt.datetime] = column(DateTime, nullable=False)
    status: Mapped[str] = column(String(16), nullable=False, default="booked")
    point_id: Mapped[str] = column(String(64), nullable=False)
    channel: Mapped[str] = column(String(16), nullable=False)
    # The number Kela calls; personal data, so it never leaves the booking (no payload, no event).
    phone: Mapped[str | None] = column(String(32))
    created_at: Mapped[dt.datetime] = column(DateTime, nullable=False)
    updated_at: Mapped[dt.datetime | None] = column(DateTime)


class BookingClaim(Base):
    """One resource (an expert's calendar or a room) taken by a booking for one slot."""

    # The primary key is what makes double booking impossible: two bookings cannot claim the same
    # resource at the same start. Hours on a slot grid that divides the hour keep all starts aligned.

    __tablename__ = "booking_claims"
    __table_args__ = (PrimaryKeyConstraint("resource", "start_at", name="pk_booking_claims"),)

    resource: Mapped[str] = column(String(80), nullable=False)  # "calendar:<id>" or "room:<id>"
    start_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC, the slot's start
    booking_id: Mapped[int] = column(Integer, ForeignKey("bookings.id"), nullable=False, index=True)


class ServiceEvent(Base):
    """One served matter for the point's statistics (apudiaari). Deliberately no personal data."""

    __tablename__ = "service_events"

    id: Mapped[int] = column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    point_id: Mapped[str] = column(String(64), nullable=False, index=True)
    channel: Mapped[str] = column(String(16), nullable=False)
    language: Mapped[str] = column(String(2), nullable=False)
    authority: Mapped[str] = column(String(64), nullable=False)
    category: Mapped[str] = column(String(64), nullable=False)  # an advisor task id (advisor_tasks.yml)
    event_type: Mapped[str] = column(String(64), nullable=False)
    service: Mapped[str | None] = column(String(64))
    # Who did the work (store.events.ACTORS): the cost-sharing report never counts the assistant's as the advisor's.
    actor: Mapped[str] = column(String(16), nullable=False)


class DocumentReceipt(Base):
    """A document a customer handed in at the point: handing it in here counts as handing it to the
    authority (seed 004), so the time of receipt is what matters. No customer data."""

    __tablename__ = "document_receipts"

    id: Mapped[int] = column(Integer, primary_key=True)
    number: Mapped[str] = column(String(32), nullable=False, unique=True)  # printed on the receipt
    point_id: Mapped[str] = column(String(64), nullable=False, index=True)
    authority: Mapped[str] = column(String(64), nullable=False)
    document_type: Mapped[str] = column(String(64), nullable=False)  # a form code or a kind from the catalogue
    received_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    received_by: Mapped[str] = column(String(64), nullable=False)  # staff username
    case_id: Mapped[int | None] = column(Integer, ForeignKey("handoff_cases.id"))
    language: Mapped[str] = column(String(2), nullable=False)  # the receipt's language


class Feedback(Base):
    """Customer feedback for an authority: a rating and optional text, redacted before storing."""

    __tablename__ = "feedback"

    id: Mapped[int] = column(Integer, primary_key=True)
    received_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    point_id: Mapped[str] = column(String(64), nullable=False, index=True)
    channel: Mapped[str] = column(String(16), nullable=False)
    language: Mapped[str] = column(String(2), nullable=False)
    authority: Mapped[str] = column(String(64), nullable=False)
    rating: Mapped[int] = column(Integer, nullable=False)  # 1-5
    text: Mapped[str | None] = column(Text)  # identity codes and phone numbers already replaced
    # The conversation the rating is about: one rating per conversation (issue 12), kept by the database
    # whichever web worker stores it (issue 16); None in older rows.
    conversation_id: Mapped[str | None] = column(String(128), index=True, unique=True)


class StaffAccount(Base):
    """A staff member of the point: advisor, editor or admin. Only an argon2 hash of the password."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = column(Integer, primary_key=True)
    username: Mapped[str] = column(String(64), nullable=False, unique=True)
    password_hash: Mapped[str] = column(String(255), nullable=False)
    role: Mapped[str] = column(String(16), nullable=False)  # advisor | editor | admin
    must_change_password: Mapped[bool] = column(Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC


class StaffPresence(Base):
    """When a staff member's dashboard was last connected: an advisor is on duty while it is open."""

    __tablename__ = "staff_presence"

    username: Mapped[str] = column(String(64), primary_key=True)
    point_id: Mapped[str] = column(String(64), nullable=False)
    last_seen: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC


class StaffSession(Base):
    """A signed-in staff member. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = column(String(64), primary_key=True)
    account_id: Mapped[int] = column(Integer, ForeignKey("staff_accounts.id"), nullable=False, index=True)
    csrf_token: Mapped[str] = column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    expires_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC


class VaultEntry(Base):
    """The last phone number a conversation typed, with when it came (privacy.vault.ContactVault)."""

    __tablename__ = "contact_vault"

    conversation_id: Mapped[str] = column(String(128), primary_key=True)
    phone: Mapped[str] = column(String(64), nullable=False)
    stored_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
