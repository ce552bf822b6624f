"""Official form PDFs the point holds, one per form language variant (the real-forms feature).

Each upload is a row and a file named by its SHA-256 under FORM_FILES_DIR; the newest row that is not
withdrawn is the one customers get, so an earlier upload stays for revert.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped

from store.models import Base

# As in store.models: plain Columns at run time (SQLAlchemy 1.4 and 2.x), mapped_column for the type checker.
if TYPE_CHECKING:
    from sqlalchemy.orm import mapped_column as column
else:
    column = Column


class FormFile(Base):
    """One uploaded PDF of one form variant: checksum, size, who and when."""

    __tablename__ = "form_files"
    __table_args__ = (Index("ix_form_files_form", "form_code", "lang"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    form_code: Mapped[str] = column(String(32), nullable=False)  # the catalogue's form code
    lang: Mapped[str] = column(String(2), nullable=False)  # the language variant: fi | sv | en
    sha256: Mapped[str] = column(String(64), nullable=False)  # also the stored file's name
    size: Mapped[int] = column(Integer, nullable=False)  # bytes
    filename: Mapped[str] = column(String(255), nullable=False)  # as uploaded, shown to staff only
    uploaded_by: Mapped[str] = column(String(64), nullable=False)
    uploaded_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    withdrawn: Mapped[bool] = column(Boolean, nullable=False, default=False)  # reverted or removed
