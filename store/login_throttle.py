"""Failed staff logins per key (an address, a username, a known device), for growing delays (issue 12)."""

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


class LoginThrottle(Base):
    """Consecutive failed logins of one key, e.g. "address:192.0.2.1" or "user:aino"."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = column(String(200), primary_key=True)
    failures: Mapped[int] = column(Integer, nullable=False, default=0)
    first_failure_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    last_failure_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    blocked_until: Mapped[dt.datetime | None] = column(DateTime)  # naive UTC
