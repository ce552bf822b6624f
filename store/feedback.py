"""Customer feedback for an authority: a 1-5 rating and optional redacted text, counted as a service event."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privacy.redact import redact
from store.events import EventLog
from store.inbox import LOW_RATING, LowRatedConversation
from store.models import Feedback
from store.rows import UTC, row_dict, to_db

MAX_TEXT_CHARS = 500


class AlreadyRated(Exception):
    """The conversation has given its feedback (a unique index decides, also between two workers at once)."""


class FeedbackStore:
    """Stores feedback rows; each also appends one `feedback_recorded` event for the statistics."""

    def __init__(self, engine):
        self.engine = engine

    def record(
        self,
        *,
        point_id: str,
        channel: str,
        language: str,
        authority: str,
        rating: int,
        text: str | None = None,
        received_at: dt.datetime | None = None,
        conversation_id: str | None = None,
    ) -> int:
        """Store one feedback (text redacted, empty text as none) and its event; the feedback's id.

        AlreadyRated when the conversation has one already."""
        if not 1 <= int(rating) <= 5:
            raise ValueError("rating must be 1-5")
        received_at = received_at or dt.datetime.now(UTC)
        # Redacted before cutting, so a cut can never leave half a phone number behind.
        cleaned = redact(text.strip()).text[:MAX_TEXT_CHARS] if text and text.strip() else None
        feedback = Feedback(
            received_at=to_db(received_at),
            point_id=point_id,
            channel=channel,
            language=language,
            authority=authority,
            rating=int(rating),
            text=cleaned,
            conversation_id=conversation_id,  # one rating per conversation (issue 12)
        )
        with Session(self.engine) as session:
            session.add(feedback)
            if conversation_id and int(rating) <= LOW_RATING:
                # The editors' inbox shows what this customer wrote; the feedback row itself stays anonymous.
                session.merge(LowRatedConversation(conversation_id=conversation_id, rated_at=to_db(received_at)))
            # One transaction: a feedback is never counted without its row, nor its row kept uncounted.
            EventLog.add(
                session,
                event_type="feedback_recorded",
                actor="self_service",
                point_id=point_id,
                channel=channel,
                language=language,
                authority=authority,
                occurred_at=received_at,
            )
            try:
                session.commit()
            except IntegrityError as exc:
                raise AlreadyRated(conversation_id) from exc
            return feedback.id

    def list_feedback(self, point_id: str | None = None, authority: str | None = None) -> list[dict]:
        """Every feedback (of one point or authority), oldest first, `received_at` as aware UTC, text redacted."""
        with Session(self.engine) as session:
            query = select(Feedback).order_by(Feedback.received_at, Feedback.id)
            if point_id:
                query = query.where(Feedback.point_id == point_id)
            if authority:
                query = query.where(Feedback.authority == authority)
            rows = [row_dict(row, "received_at") for row in session.execute(query).scalars()]
        for row in rows:
            # Texts stored before the redaction caught today's formats are shown redacted too.
            row["text"] = redact(row["text"]).text if row["text"] else row["text"]
        return rows
