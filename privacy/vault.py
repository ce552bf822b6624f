"""Keeps a phone number typed during a booking out of the conversation until the booking takes it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.models import VaultEntry
from store.rows import rowcount

# The number is typed at the booking form's phone question, and the form needs it only until the
# customer confirms the time a few answers later. A kiosk wipes an idle conversation after two minutes
# (KIOSK_IDLE_SECONDS + KIOSK_WIPE_SECONDS), so 15 minutes covers a slow customer and a changed time,
# and a number left behind by an abandoned booking is gone soon after. A booking that outlives it
# asks for the number again (utter_booking_phone_expired).
KEEP_FOR = dt.timedelta(minutes=15)


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
        self.forget(conversation_id)
        return phone

    def forget(self, conversation_id: str) -> None:
        """Remove the conversation's number, if any (its booking form ended)."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(VaultEntry).where(VaultEntry.conversation_id == conversation_id))

    def purge_expired(self, now: dt.datetime | None = None) -> int:
        """Delete every number older than KEEP_FOR (the retention job calls this); how many went."""
        with Session(self.engine) as session, session.begin():
            return rowcount(session.execute(delete(VaultEntry).where(VaultEntry.stored_at < _utc(now) - KEEP_FOR)))
