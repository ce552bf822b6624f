"""Tables, written for SQLAlchemy 1.4 (the Rasa environment) and 2.x (the web app) alike."""

from __future__ import annotations

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
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class HandoffCase(Base):
    """A customer handed to the point's advisor. Holds no free text typed by the customer."""

    __tablename__ = "handoff_cases"
    __table_args__ = (UniqueConstraint("point_id", "day", "number", name="uq_ticket_per_point_day"),)

    id = Column(Integer, primary_key=True)
    point_id = Column(String(64), nullable=False)
    day = Column(Date, nullable=False)  # the point's local day (Europe/Helsinki)
    number = Column(Integer, nullable=False)
    ticket = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    language = Column(String(2), nullable=False)
    channel = Column(String(16), nullable=False)
    reason = Column(String(32), nullable=False)
    life_situation = Column(String(8))
    services = Column(JSON, nullable=False, default=list)
    forms = Column(JSON, nullable=False, default=list)
    intents = Column(JSON, nullable=False, default=list)
    summary = Column(Text, nullable=False, default="")
    bookings = Column(JSON, nullable=False, default=list)  # references of bookings made in the conversation
    status = Column(String(16), nullable=False, default="pending")  # pending | claimed | resolved
    assignee = Column(String(64))  # the staff username who has the case
    # True while an advisor chats with the customer and Rasa's conversation is paused.
    taken_over = Column(Boolean, nullable=False, default=False)
    outcome = Column(String(32))
    authority = Column(String(64))  # the authority the matter concerned, named when resolving
    category = Column(String(64))  # its service category (advisor task), named when resolving
    resolved_at = Column(DateTime(timezone=True))


class CaseChange(Base):
    """One thing that happened to a case, in order: the dashboards' and the customer screens' feed.

    `text` is only set for chat messages during a takeover (customer text arrives redacted) and is
    wiped when the case is resolved: the transcript is needed while serving, not afterwards.
    """

    __tablename__ = "case_changes"

    id = Column(Integer, primary_key=True)  # the feed's cursor (SSE Last-Event-ID)
    case_id = Column(Integer, ForeignKey("handoff_cases.id"), nullable=False, index=True)
    point_id = Column(String(64), nullable=False, index=True)
    at = Column(DateTime(timezone=True), nullable=False)
    # created | claimed | forwarded | taken_over | handed_back | resolved | message
    kind = Column(String(16), nullable=False)
    actor = Column(String(64))  # staff username, "customer" or None for the assistant
    text = Column(Text)


class BookingRow(Base):
    """A Kela phone or remote appointment. Times are naive UTC: SQLite keeps no time zone."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_point_kind_start", "point_id", "kind", "start_at"),)

    id = Column(Integer, primary_key=True)
    reference = Column(String(8), nullable=False, unique=True)  # shown as XXXX-XXXX
    kind = Column(String(16), nullable=False)
    topic = Column(String(64), nullable=False)
    language = Column(String(2), nullable=False)
    calendar = Column(String(64), nullable=False)
    room = Column(String(64))  # remote appointments only
    start_at = Column(DateTime, nullable=False)
    end_at = Column(DateTime, nullable=False)
    status = Column(String(16), nullable=False, default="booked")
    point_id = Column(String(64), nullable=False)
    channel = Column(String(16), nullable=False)
    # The number Kela calls; personal data, so it never leaves the booking (no payload, no event).
    phone = Column(String(32))
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime)


class BookingClaim(Base):
    """One resource (an expert's calendar or a room) taken by a booking for one slot."""

    # The primary key is what makes double booking impossible: two bookings cannot claim the same
    # resource at the same start. Hours on a slot grid that divides the hour keep all starts aligned.

    __tablename__ = "booking_claims"
    __table_args__ = (PrimaryKeyConstraint("resource", "start_at", name="pk_booking_claims"),)

    resource = Column(String(80), nullable=False)  # "calendar:<id>" or "room:<id>"
    start_at = Column(DateTime, nullable=False)  # naive UTC, the slot's start
    booking_id = Column(Integer, ForeignKey("bookings.id"), nullable=False, index=True)


class ServiceEvent(Base):
    """One served matter for the point's statistics (apudiaari). Deliberately no personal data."""

    __tablename__ = "service_events"

    id = Column(Integer, primary_key=True)
    occurred_at = Column(DateTime, nullable=False)  # naive UTC
    point_id = Column(String(64), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    authority = Column(String(64), nullable=False)
    category = Column(String(64), nullable=False)  # an advisor task id (advisor_tasks.yml)
    event_type = Column(String(64), nullable=False)
    service = Column(String(64))


class DocumentReceipt(Base):
    """A document a customer handed in at the point: handing it in here counts as handing it to the
    authority (seed 004), so the time of receipt is what matters. No customer data."""

    __tablename__ = "document_receipts"

    id = Column(Integer, primary_key=True)
    number = Column(String(32), nullable=False, unique=True)  # printed on the receipt
    point_id = Column(String(64), nullable=False, index=True)
    authority = Column(String(64), nullable=False)
    document_type = Column(String(64), nullable=False)  # a form code or a kind from the catalogue
    received_at = Column(DateTime, nullable=False)  # naive UTC
    received_by = Column(String(64), nullable=False)  # staff username
    case_id = Column(Integer, ForeignKey("handoff_cases.id"))
    language = Column(String(2), nullable=False)  # the receipt's language


class Feedback(Base):
    """Customer feedback for an authority: a rating and optional text, redacted before storing."""

    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    received_at = Column(DateTime, nullable=False)  # naive UTC
    point_id = Column(String(64), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    authority = Column(String(64), nullable=False)
    rating = Column(Integer, nullable=False)  # 1-5
    text = Column(Text)  # identity codes and phone numbers already replaced


class StaffAccount(Base):
    """A staff member of the point: advisor, editor or admin. Only an argon2 hash of the password."""

    __tablename__ = "staff_accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)  # advisor | editor | admin
    must_change_password = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)  # naive UTC


class StaffPresence(Base):
    """When a staff member's dashboard was last connected: an advisor is on duty while it is open."""

    __tablename__ = "staff_presence"

    username = Column(String(64), primary_key=True)
    point_id = Column(String(64), nullable=False)
    last_seen = Column(DateTime, nullable=False)  # naive UTC


class StaffSession(Base):
    """A signed-in staff member. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    account_id = Column(Integer, ForeignKey("staff_accounts.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)  # naive UTC
    expires_at = Column(DateTime, nullable=False)  # naive UTC


class VaultEntry(Base):
    """The last phone number a conversation typed, with when it came (privacy.vault.ContactVault)."""

    __tablename__ = "contact_vault"

    conversation_id = Column(String(128), primary_key=True)
    phone = Column(String(64), nullable=False)
    stored_at = Column(DateTime, nullable=False)  # naive UTC
