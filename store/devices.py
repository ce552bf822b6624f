"""Registered kiosk devices: only a browser holding a device's secret counts as a kiosk (issue 12)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, Integer, String
from sqlalchemy.orm import Mapped

from store.models import Base

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
