"""The editors' changes to the training examples, over the repository's nlu_data/ (the examples feature).

The repository's YAML stays the base; each change (add, edit or delete of one example) is a row, never
updated or removed, and the merged data is the base with every row applied in id order. A new release's
nlu_data/ therefore keeps the editors' work, and a change that no longer applies is found, not lost.
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


class NluChange(Base):
    """One editor's change of one example: `before` is the text edited or deleted, `after` the text added or written."""

    __tablename__ = "nlu_changes"
    __table_args__ = (
        Index("ix_nlu_changes_intent", "intent"),
        Index("ix_nlu_changes_editor", "editor"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)  # the order the changes apply in
    at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC, see store.rows
    editor: Mapped[str] = column(String(64), nullable=False)  # staff username
    op: Mapped[str] = column(String(8), nullable=False)  # add | edit | delete
    intent: Mapped[str] = column(String(128), nullable=False)
    lang: Mapped[str] = column(String(2), nullable=False)
    # Text, not String(300): an edit or delete may concern a longer example of the repository.
    before: Mapped[str | None] = column(Text)  # edit, delete
    after: Mapped[str | None] = column(Text)  # add, edit
    # The change this one undoes (a revert); the undone change shows as reverted in the history.
    reverts: Mapped[int | None] = column(Integer, ForeignKey("nlu_changes.id"), index=True)
