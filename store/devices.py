"""Registered kiosk devices: only a browser holding a device's secret counts as a kiosk (issue 12)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import Column, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session

from store.models import Base
from store.rows import now_db, row_dict, to_db

log = logging.getLogger(__name__)

# As in store.models: plain Columns at run time (SQLAlchemy 1.4 and 2.x), mapped_column for the type checker.
if TYPE_CHECKING:
    from sqlalchemy.orm import mapped_column as column
else:
    column = Column


class KioskDevice(Base):
    """A kiosk an admin registered at a point. Only the SHA-256 of its secret is stored."""

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = column(Integer, primary_key=True)
    point_id: Mapped[str] = column(String(64), nullable=False, index=True)
    name: Mapped[str] = column(String(80), nullable=False)
    secret_hash: Mapped[str] = column(String(64), nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    created_by: Mapped[str] = column(String(64), nullable=False)  # staff username
    last_seen_at: Mapped[dt.datetime | None] = column(DateTime)  # naive UTC
    revoked_at: Mapped[dt.datetime | None] = column(DateTime)  # naive UTC; a revoked device is a web client


# A kiosk's secret, as the cookie carries it: token_urlsafe(32) is 43 characters; anything far longer is not one.
MAX_SECRET_CHARS = 128
# last_seen_at is for the admin's list, not an audit trail: one write a minute per kiosk is plenty.
SEEN_EVERY = dt.timedelta(minutes=1)
MAX_NAME_CHARS = 80


def secret_hash(secret: str) -> str:
    """The SHA-256 the table keeps instead of the secret (a random 256-bit secret needs no slow hash)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _device(row: KioskDevice) -> dict:
    data = row_dict(row, "created_at", "last_seen_at", "revoked_at")
    del data["secret_hash"]  # nobody above the store needs it
    return data


def enrolment_path(secret: str) -> str:
    """Where a kiosk browser stores its secret as a cookie; `token=` is what kiosk_ui.logs hides in the access log."""
    return f"/kiosk/enrol?token={quote(secret)}"


class DeviceStore:
    """Registers, identifies, lists and revokes kiosk devices over the app's database engine."""

    def __init__(self, engine):
        self.engine = engine

    def register(self, point_id: str, name: str, by: str) -> tuple[dict, str]:
        """A new device and its secret; the secret is returned only here, never stored or shown again."""
        name = name.strip()
        if not name or len(name) > MAX_NAME_CHARS:
            raise ValueError(f"a device name has 1-{MAX_NAME_CHARS} characters")
        secret = secrets.token_urlsafe(32)
        row = KioskDevice(
            point_id=point_id, name=name, secret_hash=secret_hash(secret), created_at=now_db(), created_by=by
        )
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            log.info("kiosk device %s (%s) registered at %s by %s", row.id, name, point_id, by)
            return _device(row), secret

    def identify(self, secret: str | None, now: dt.datetime | None = None) -> dict | None:
        """The registered, unrevoked device holding this secret, or None; notes when it was last seen."""
        if not secret or len(secret) > MAX_SECRET_CHARS:
            return None
        moment = to_db(now) if now else now_db()
        with Session(self.engine) as session:
            row = session.execute(
                select(KioskDevice).where(
                    KioskDevice.secret_hash == secret_hash(secret), KioskDevice.revoked_at.is_(None)
                )
            ).scalar_one_or_none()
            if row is None:
                return None
            if row.last_seen_at is None or moment - row.last_seen_at >= SEEN_EVERY:
                row.last_seen_at = moment
                session.commit()
            return _device(row)

    def list(self) -> list[dict]:
        """Every device, revoked ones too, newest first."""
        with Session(self.engine) as session:
            rows = session.execute(select(KioskDevice).order_by(KioskDevice.id.desc())).scalars()
            return [_device(row) for row in rows]

    def get(self, device_id: int) -> dict | None:
        """One device, or None."""
        with Session(self.engine) as session:
            row = session.get(KioskDevice, device_id)
            return _device(row) if row else None

    def revoke(self, device_id: int, by: str) -> dict | None:
        """Revoke a device (its browser is a web client from now on); None when there is no such device.

        Revoking twice keeps the first time.
        """
        with Session(self.engine) as session:
            row = session.get(KioskDevice, device_id)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = now_db()
                session.commit()
                log.info("kiosk device %s revoked by %s", device_id, by)
            return _device(row)
