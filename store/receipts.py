"""Receipts for documents handed in at the point: a readable number, the time of receipt, no customer data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.events import EventLog
from store.models import DocumentReceipt
from store.rows import HELSINKI, row_dict, to_db

EVENT_TYPE = "document_received"
# Documents handed in at the point's counter (seed 004), never through the website.
CHANNEL = "kiosk"


def receipt_number(day: dt.date, sequence: int) -> str:
    """20261122-007 for the seventh receipt dated 22 Nov 2026 (Helsinki day of receipt)."""
    return f"{day:%Y%m%d}-{sequence:03d}"


class ReceiptStore:
    """Document receipts in SQL; each receipt is recorded as a `document_received` service event too."""

    def __init__(self, engine):
        self.engine = engine

    def create(
        self,
        *,
        point_id: str,
        authority: str,
        document_type: str,
        received_at: dt.datetime,
        received_by: str,
        language: str,
        case_id: int | None = None,
        attempts: int = 20,
    ) -> dict:
        """Store a receipt with the next number of its day and its service event, in one transaction."""
        received = to_db(received_at)
        day = received_at.astimezone(HELSINKI).date()
        prefix = receipt_number(day, 0)[:-3]
        for _ in range(attempts):
            with Session(self.engine) as session:
                taken = session.execute(
                    select(DocumentReceipt.number).where(DocumentReceipt.number.like(f"{prefix}%"))
                ).scalars()
                sequence = max((int(n[len(prefix) :]) for n in taken), default=0) + 1
                receipt = DocumentReceipt(
                    number=receipt_number(day, sequence),
                    point_id=point_id,
                    authority=authority,
                    document_type=document_type,
                    received_at=received,
                    received_by=received_by,
                    case_id=case_id,
                    language=language,
                )
                # Written with the receipt so the statistics can never miss or double a document.
                EventLog.add(
                    session,
                    event_type=EVENT_TYPE,
                    actor="advisor",
                    point_id=point_id,
                    channel=CHANNEL,
                    language=language,
                    authority=authority,
                    service=document_type[:64],
                    occurred_at=received_at,
                )
                session.add(receipt)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()  # another receipt took this number first; take the next
                    continue
                return _as_dict(receipt)
        raise RuntimeError(f"no free receipt number for {day} after {attempts} tries")

    def get(self, receipt_id: int) -> dict | None:
        """One receipt, or None."""
        with Session(self.engine) as session:
            receipt = session.get(DocumentReceipt, receipt_id)
            return _as_dict(receipt) if receipt else None

    def list_day(self, point_id: str, day: dt.date) -> list[dict]:
        """The point's receipts whose time of receipt falls on this Helsinki day, latest first."""
        start = dt.datetime.combine(day, dt.time(0), HELSINKI)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), HELSINKI)
        with Session(self.engine) as session:
            rows = session.execute(
                select(DocumentReceipt)
                .where(
                    DocumentReceipt.point_id == point_id,
                    DocumentReceipt.received_at >= to_db(start),
                    DocumentReceipt.received_at < to_db(end),
                )
                .order_by(DocumentReceipt.received_at.desc(), DocumentReceipt.id.desc())
            ).scalars()
            return [_as_dict(r) for r in rows]


def _as_dict(receipt: DocumentReceipt) -> dict:
    return row_dict(receipt, "received_at")
