"""The editors' changes to the service catalogue, over the repository's catalogue/data/ (the content feature).

As with the training examples (store.nlu_overlay), the repository's YAML stays the base and each change
is a row: one catalogue entry (a life situation, service, form, authority or the point) as the editor
wrote it. A draft is a row not yet published; publishing stamps it. The published catalogue is the base
with every published row applied in id order, field by field, so a new release's catalogue/data/ keeps
the editors' work and a field changed on both sides is shown as a conflict, never lost.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped

from store.models import Base

# As in store.models: plain Columns at run time (SQLAlchemy 1.4 and 2.x), mapped_column for the type checker.
if TYPE_CHECKING:
    from sqlalchemy.orm import mapped_column as column
else:
    column = Column


class CatalogueChange(Base):
    """One change of one catalogue entry: `before` the entry as the editor found it, `after` as written (JSON)."""

    __tablename__ = "catalogue_changes"
    __table_args__ = (
        Index("ix_catalogue_changes_entry", "kind", "key"),
        Index("ix_catalogue_changes_state", "state"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)  # the order published changes apply in
    at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC, when the draft was saved
    editor: Mapped[str] = column(String(64), nullable=False)  # staff username
    kind: Mapped[str] = column(String(16), nullable=False)  # life_situation | service | form | authority | point
    key: Mapped[str] = column(String(128), nullable=False)  # the entry's id or code
    op: Mapped[str] = column(String(8), nullable=False)  # put | delete
    # JSON text: the entry as the editor found it (None for a new entry) and as written (None for a delete).
    before: Mapped[str | None] = column(Text)
    after: Mapped[str | None] = column(Text)
    state: Mapped[str] = column(String(10), nullable=False)  # draft | published | discarded
    published_at: Mapped[dt.datetime | None] = column(DateTime)
    published_by: Mapped[str | None] = column(String(64))
    # Where the change came from: the editor's form, a revert, or an import (e.g. "ptv").
    source: Mapped[str] = column(String(16), nullable=False, default="editor")
    # The change this one undoes (a revert); the undone change shows as reverted in the history.
    reverts: Mapped[int | None] = column(Integer, ForeignKey("catalogue_changes.id"), index=True)
