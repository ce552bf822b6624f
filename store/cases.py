"""Creating and reading handoff cases, with a ticket number per point and day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privacy.redact import redact, redact_value
from store.db import database_url, open_database
from store.models import CaseChange, HandoffCase, StaffPresence
from store.rows import HELSINKI, UTC, row_dict, rowcount, to_db

if TYPE_CHECKING:
    pass

TICKET_PREFIX = "A"
CUSTOMER = "customer"  # the actor of a customer's chat line


# Waiting cases of a point beyond which nobody gets a new ticket (HANDOFF_QUEUE_LIMIT overrides it).
DEFAULT_QUEUE_LIMIT = 30
# A case is open while it waits or is served; it ends `resolved` by an advisor or `expired` when the point
# closed with it still open (expired is no served matter: no service event, never counted as resolved work).
OPEN = ("pending", "claimed")
EXPIRED = "expired"


class CaseConflict(Exception):
    """The case is not in a state that allows this (already claimed, already resolved, unknown)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def ticket_label(number: int) -> str:
    """A012 for the twelfth case of the day."""
    return f"{TICKET_PREFIX}{number:03d}"


class CaseStore:
    """Handoff cases in SQL. Ticket numbers come from the table's unique constraint, not a lock."""

    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or open_database(url or database_url())

    def create_case(
        self,
        *,
        point_id: str,
        conversation_id: str,
        language: str,
        channel: str,
        reason: str,
        now: dt.datetime | None = None,
        attempts: int = 20,
        **details: Any,
    ) -> dict:
        """Store a new case and give it the point's next ticket number for today (its texts redacted)."""
        # In UTC: SQLite keeps no offset, so a Helsinki time would read back two or three hours off.
        now = (now or dt.datetime.now(dt.UTC)).astimezone(UTC)
        # The summary and lists are built from codes, but the web app's handoff route and an action
        # server of another release write here too: nothing typed by a customer is stored as typed.
        details = {key: redact_value(value) for key, value in details.items()}
        day = now.astimezone(HELSINKI).date()
        for _ in range(attempts):
            with Session(self.engine) as session:
                last = session.execute(
                    select(func.max(HandoffCase.number)).where(HandoffCase.point_id == point_id, HandoffCase.day == day)
                ).scalar()
                number = (last or 0) + 1
                case = HandoffCase(
                    point_id=point_id,
                    day=day,
                    number=number,
                    ticket=ticket_label(number),
                    created_at=now,
                    conversation_id=conversation_id,
                    language=language,
                    channel=channel,
                    reason=reason,
                    **details,
                )
                session.add(case)
                try:
                    session.flush()
                    session.add(CaseChange(case_id=case.id, point_id=point_id, at=now, kind="created"))
                    session.commit()
                except IntegrityError:
                    session.rollback()  # another case took this number first; take the next
                    continue
                return as_dict(case)
        raise RuntimeError(f"no free ticket number for {point_id} on {day} after {attempts} tries")

    def list_cases(self, point_id: str | None = None) -> list[dict]:
        """Every case, newest first."""
        with Session(self.engine) as session:
            query = select(HandoffCase).order_by(HandoffCase.id.desc())
            if point_id:
                query = query.where(HandoffCase.point_id == point_id)
            return [as_dict(c) for c in session.execute(query).scalars()]

    def open_cases(self, point_id: str) -> list[dict]:
        """Pending and claimed cases of the point, the longest waiting first."""
        with Session(self.engine) as session:
            query = (
                select(HandoffCase)
                .where(HandoffCase.point_id == point_id, HandoffCase.status.in_(OPEN))
                .order_by(HandoffCase.id)
            )
            return [as_dict(c) for c in session.execute(query).scalars()]

    def get(self, case_id: int) -> dict | None:
        """One case, or None."""
        with Session(self.engine) as session:
            case = session.get(HandoffCase, case_id)
            return as_dict(case) if case else None

    def open_case_for(self, conversation_id: str) -> dict | None:
        """The conversation's newest open case, or None."""
        with Session(self.engine) as session:
            case = session.execute(
                select(HandoffCase)
                .where(HandoffCase.conversation_id == conversation_id, HandoffCase.status.in_(OPEN))
                .order_by(HandoffCase.id.desc())
                .limit(1)
            ).scalar()
            return as_dict(case) if case else None

    def latest_case_for(self, conversation_id: str) -> dict | None:
        """The conversation's open case, else its newest (resolved or expired) case, else None."""
        open_case = self.open_case_for(conversation_id)
        if open_case:
            return open_case
        with Session(self.engine) as session:
            case = session.execute(
                select(HandoffCase)
                .where(HandoffCase.conversation_id == conversation_id)
                .order_by(HandoffCase.id.desc())
                .limit(1)
            ).scalar()
            return as_dict(case) if case else None

    def ahead_of(self, case: dict) -> int:
        """How many of the point's pending cases of the same day came before this one (the customer's count)."""
        # Expired cases and earlier days' are nobody in the room: only today's waiting ones count.
        with Session(self.engine) as session:
            return session.execute(
                select(func.count())
                .select_from(HandoffCase)
                .where(
                    HandoffCase.point_id == case["point_id"],
                    HandoffCase.day == case["day"],
                    HandoffCase.status == "pending",
                    HandoffCase.id < case["id"],
                )
            ).scalar_one()

    # Changes by staff. Each is one conditional UPDATE, so two advisors cannot both claim a case.

    def _change(
        self,
        case_id: int,
        kind: str,
        actor: str | None,
        allowed: tuple[str, ...],
        values: dict,
        now: dt.datetime | None = None,
        text: str | None = None,
    ) -> dict:
        now = now or dt.datetime.now(dt.UTC)
        with Session(self.engine) as session:
            case = session.get(HandoffCase, case_id)
            if case is None:
                raise CaseConflict("unknown_case")
            if values:
                done = rowcount(
                    session.execute(
                        update(HandoffCase)
                        .where(HandoffCase.id == case_id, HandoffCase.status.in_(allowed))
                        .values(**values)
                    )
                )
            else:
                done = int(case.status in allowed)
            if not done:
                session.rollback()
                raise CaseConflict(f"case_{case.status}")
            session.add(CaseChange(case_id=case_id, point_id=case.point_id, at=now, kind=kind, actor=actor, text=text))
            session.commit()
            session.refresh(case)
            return as_dict(case)

    def claim(self, case_id: int, username: str) -> dict:
        """Take a pending case."""
        return self._change(case_id, "claimed", username, ("pending",), {"status": "claimed", "assignee": username})

    def forward(self, case_id: int, username: str, to_username: str) -> dict:
        """Give an open case to a colleague; it stays claimed, by them."""
        return self._change(
            case_id,
            "forwarded",
            username,
            ("pending", "claimed"),
            {"status": "claimed", "assignee": to_username},
            text=to_username,
        )

    def take_over(self, case_id: int, username: str) -> dict:
        """The advisor chats with the customer; the caller pauses the assistant."""
        return self._change(
            case_id,
            "taken_over",
            username,
            ("pending", "claimed"),
            {"status": "claimed", "assignee": username, "taken_over": True},
        )

    def hand_back(self, case_id: int, username: str) -> dict:
        """The assistant answers again; the caller resumes it."""
        return self._change(case_id, "handed_back", username, ("claimed",), {"taken_over": False})

    def resolve(
        self,
        case_id: int,
        username: str,
        outcome: str,
        authority: str | None = None,
        category: str | None = None,
        now: dt.datetime | None = None,
    ) -> dict:
        """Close the case with an outcome (and the authority and category it concerned); wipe its chat."""
        now = now or dt.datetime.now(dt.UTC)
        case = self._change(
            case_id,
            "resolved",
            username,
            ("pending", "claimed"),
            {
                "status": "resolved",
                "assignee": username,
                "taken_over": False,
                "outcome": outcome,
                "authority": authority,
                "category": category,
                "resolved_at": now,
            },
            now=now,
        )
        with Session(self.engine) as session:
            session.execute(
                update(CaseChange).where(CaseChange.case_id == case_id, CaseChange.kind == "message").values(text=None)
            )
            session.commit()
        return case

    def add_message(self, case_id: int, actor: str, text: str) -> dict:
        """One chat line of a taken-over case, from "customer" (stored redacted) or a staff username."""
        # The gateway redacted the customer's line already; this is the second line of defence. An
        # advisor's line is kept as written: giving the customer an office's phone number is their job.
        if actor == CUSTOMER:
            text = redact(text).text
        return self._change(case_id, "message", actor, ("pending", "claimed"), {}, text=text)

    # The feed

    def last_change_id(self, point_id: str) -> int:
        """The newest change's id of the point (0 when none): where a new feed starts."""
        with Session(self.engine) as session:
            return session.execute(select(func.max(CaseChange.id)).where(CaseChange.point_id == point_id)).scalar() or 0

    def changes_after(
        self, change_id: int, point_id: str | None = None, case_id: int | None = None, limit: int = 200
    ) -> list[dict]:
        """Changes after a cursor, oldest first, of one point or one case."""
        query = select(CaseChange).where(CaseChange.id > change_id).order_by(CaseChange.id).limit(limit)
        return self._changes(query, point_id, case_id)

    def changes_with_ids(self, ids: list[int], point_id: str | None = None, case_id: int | None = None) -> list[dict]:
        """The changes of these ids (as NOTIFY announced them), oldest first, of one point or one case."""
        if not ids:
            return []
        return self._changes(
            select(CaseChange).where(CaseChange.id.in_(ids)).order_by(CaseChange.id), point_id, case_id
        )

    def _changes(self, query, point_id: str | None, case_id: int | None) -> list[dict]:
        if point_id:
            query = query.where(CaseChange.point_id == point_id)
        if case_id:
            query = query.where(CaseChange.case_id == case_id)
        with Session(self.engine) as session:
            changes = [row_dict(c) for c in session.execute(query).scalars()]
        for change in changes:
            # Customers' lines stored before the redaction caught today's formats are shown redacted too.
            if change["kind"] == "message" and change["actor"] == CUSTOMER and change["text"]:
                change["text"] = redact(change["text"]).text
        return changes

    # Who is on duty

    def mark_present(self, username: str, point_id: str, now: dt.datetime | None = None) -> None:
        """A dashboard of this staff member is connected now."""
        now = to_db(now or dt.datetime.now(UTC))
        with Session(self.engine) as session:
            row = session.get(StaffPresence, username)
            if row is None:
                session.add(StaffPresence(username=username, point_id=point_id, last_seen=now))
            else:
                row.point_id, row.last_seen = point_id, now
            session.commit()

    def waiting(self, point_id: str, now: dt.datetime | None = None) -> int:
        """How many of the point's cases of today (Helsinki) wait for an advisor: the handoff queue's length."""
        # Only today's: a case of an earlier day that the expiry has not reached yet is nobody in the room.
        today = (now or dt.datetime.now(UTC)).astimezone(HELSINKI).date()
        with Session(self.engine) as session:
            query = select(func.count(HandoffCase.id)).where(
                HandoffCase.point_id == point_id, HandoffCase.day == today, HandoffCase.status == "pending"
            )
            return int(session.execute(query).scalar_one())

    # Expiry

    def expire_due(
        self, deadline_of: Callable[[dt.datetime], dt.datetime], now: dt.datetime | None = None
    ) -> list[dict]:
        """Close as expired every open case whose deadline (`deadline_of(created_at)`: the point's closing time)
        has passed; the cases it expired, as they were before (the caller resumes a paused conversation).

        Recorded as the case's status and an `expired` change at the deadline, by nobody; no service event.
        """
        now = now or dt.datetime.now(UTC)
        expired = []
        with Session(self.engine) as session:
            candidates = [
                as_dict(c) for c in session.execute(select(HandoffCase).where(HandoffCase.status.in_(OPEN))).scalars()
            ]
        for case in candidates:
            deadline = deadline_of(case["created_at"])
            if deadline > now:
                continue
            with Session(self.engine) as session:
                # Conditional, so an advisor resolving the case at the same moment wins or loses cleanly.
                done = rowcount(
                    session.execute(
                        update(HandoffCase)
                        .where(HandoffCase.id == case["id"], HandoffCase.status.in_(OPEN))
                        .values(status=EXPIRED, taken_over=False)
                    )
                )
                if not done:
                    session.rollback()
                    continue
                session.add(
                    CaseChange(case_id=case["id"], point_id=case["point_id"], at=deadline.astimezone(UTC), kind=EXPIRED)
                )
                # The takeover's chat lines are wiped as on resolving: the transcript is needed while serving.
                session.execute(
                    update(CaseChange)
                    .where(CaseChange.case_id == case["id"], CaseChange.kind == "message")
                    .values(text=None)
                )
                session.commit()
            expired.append(case)
        return expired

    def expired_at(self, case_id: int) -> dt.datetime | None:
        """When the case expired (its `expired` change), or None."""
        with Session(self.engine) as session:
            at = session.execute(
                select(CaseChange.at).where(CaseChange.case_id == case_id, CaseChange.kind == EXPIRED)
            ).scalar()
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return at

    def on_duty(self, point_id: str, within_seconds: int = 60, now: dt.datetime | None = None) -> list[str]:
        """Usernames whose dashboard was connected in the last `within_seconds`."""
        now = to_db(now or dt.datetime.now(UTC))
        since = now - dt.timedelta(seconds=within_seconds)
        with Session(self.engine) as session:
            return list(
                session.execute(
                    select(StaffPresence.username).where(
                        StaffPresence.point_id == point_id, StaffPresence.last_seen >= since
                    )
                ).scalars()
            )


def as_dict(case: HandoffCase) -> dict:
    """A case as plain data, its times aware UTC."""
    return row_dict(case, "created_at", "resolved_at")
