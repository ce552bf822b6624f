"""Keeps a phone number typed in the chat out of the conversation until a booking takes it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.models import VaultEntry

# Long enough to finish a booking at a kiosk, short enough that a number does not linger.
KEEP_FOR = dt.timedelta(minutes=30)


def _utc(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)


class ContactVault:
    """Phone numbers by conversation, kept for KEEP_FOR; read once by the booking that uses them."""

    def __init__(self, engine: Engine):
        self.engine = engine  # its tables exist (store.db.create_schema)

    def put(self, conversation_id: str, phone: str, now: dt.datetime | None = None) -> None:
        """Keep the number for this conversation, replacing an earlier one; forget expired ones."""
        stamp = _utc(now)
        with Session(self.engine) as session, session.begin():
            session.execute(delete(VaultEntry).where(VaultEntry.stored_at < stamp - KEEP_FOR))
            session.merge(VaultEntry(conversation_id=conversation_id, phone=phone, stored_at=stamp))

    def peek(self, conversation_id: str, now: dt.datetime | None = None) -> str | None:
        """The conversation's number if it has not expired."""
        with Session(self.engine) as session:
            entry = session.execute(
                select(VaultEntry).where(VaultEntry.conversation_id == conversation_id)
            ).scalar_one_or_none()
            if entry is None or entry.stored_at < _utc(now) - KEEP_FOR:
                return None
            return entry.phone

    def take(self, conversation_id: str, now: dt.datetime | None = None) -> str | None:
        """The conversation's number, removed from the vault."""
        phone = self.peek(conversation_id, now)
        with Session(self.engine) as session, session.begin():
            session.execute(delete(VaultEntry).where(VaultEntry.conversation_id == conversation_id))
        return phone
