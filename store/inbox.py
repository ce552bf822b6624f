"""What the editors decided about customers' messages, and the evaluation set of real messages (the inbox feature).

Both tables follow store/models.py: `Mapped[...]` for the type checker, plain `Column`s at run time, so
SQLAlchemy 1.4 (the Rasa environment) and 2.x (the web app) create the same tables.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from store.models import Base

if TYPE_CHECKING:
    from sqlalchemy.orm import mapped_column as column
else:
    column = Column

# Longest message text kept: the web gateway accepts 500 characters, so nothing real is cut.
MAX_TEXT_CHARS = 500
# Feedback of 1 or 2 out of 5: the customer was not helped, so the conversation's messages go to the inbox.
LOW_RATING = 2


class InboxDecision(Base):
    """An editor's decision about one grouped message (normalised text and language); it leaves the inbox.

    The text is redacted again before it is stored. The row is deleted once the decision is older than the
    inbox's retention period (training.inbox.Inbox.purge): by then the messages it hid have expired too.
    """

    __tablename__ = "inbox_decisions"
    __table_args__ = (UniqueConstraint("message_key", name="uq_inbox_decision_message"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    # sha256 of the language and the normalised text: the group the decision is about.
    message_key: Mapped[str] = column(String(64), nullable=False)
    text: Mapped[str] = column(Text, nullable=False)  # redacted, at most MAX_TEXT_CHARS
    language: Mapped[str] = column(String(2), nullable=False)
    action: Mapped[str] = column(String(16), nullable=False)  # assign | confirm | out_of_scope | discard
    intent: Mapped[str | None] = column(String(64))  # the label given, none for discard
    destination: Mapped[str | None] = column(String(8))  # train | eval, none when nothing was labelled
    decided_by: Mapped[str] = column(String(64), nullable=False)  # staff username
    decided_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC


class EvalSetItem(Base):
    """A real customer message with the intent an editor gave it: what every candidate model is judged on.

    Kept until an editor removes it, like a training example: the text is redacted (no identity code, no
    phone number) and carries no sender, date of the conversation or other turn, so it is no longer about
    a person.
    """

    __tablename__ = "eval_set_items"
    __table_args__ = (
        UniqueConstraint("language", "normalised", name="uq_eval_set_text"),
        Index("ix_eval_set_intent", "intent"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    text: Mapped[str] = column(Text, nullable=False)  # redacted, at most MAX_TEXT_CHARS
    normalised: Mapped[str] = column(String(MAX_TEXT_CHARS), nullable=False)  # lower case, single spaces
    intent: Mapped[str] = column(String(64), nullable=False)
    language: Mapped[str] = column(String(2), nullable=False)
    added_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    added_by: Mapped[str] = column(String(64), nullable=False)  # staff username


class LowRatedConversation(Base):
    """A conversation whose customer rated the help low (store.feedback writes it with the feedback).

    Only the random conversation id and the time: the inbox reads that conversation's messages from
    Rasa's tracker store. Deleted with the inbox's decisions after its retention period.
    """

    __tablename__ = "inbox_low_rated_conversations"

    conversation_id: Mapped[str] = column(String(128), primary_key=True)
    rated_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
