"""The customer's side of a handoff: a live feed of the case (queue, advisor's messages, end) and feedback."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, BeforeValidator, Field

from kiosk_ui.deps import (
    MAX_ROW_ID,
    Cases,
    CatalogueDep,
    ClientChannel,
    ConversationCase,
    DbEngine,
    FeedbackStoreDep,
    RateLimiterDep,
    SettingsDep,
    TextsDep,
    check_origin,
    client_address,
    known_point,
    resume_cursor,
)
from kiosk_ui.gateway import CONVERSATION_ID, POINT_ID, Channel, Language, clean_message
from kiosk_ui.live_changes import FeedChanges
from kiosk_ui.ratelimit import RateLimited
from kiosk_ui.views.limits import RATE_LIMITED, too_many
from kiosk_ui.views.public import already_rated, had_matter
from store.cases import CaseStore
from store.feedback import MAX_TEXT_CHARS, AlreadyRated
from store.rows import HELSINKI

router = APIRouter(prefix="/api", tags=["live"], dependencies=[Depends(check_origin)])

POLL_SECONDS = 0.3
# With PostgreSQL's NOTIFY a feed sleeps until a change is announced, and looks anyway this often.
IDLE_SECONDS = 15.0
# A feed ends itself now and then; the page reconnects from its last event id. This frees the
# server from connections whose page vanished without closing them.
MAX_FEED_SECONDS = 30 * 60
RETRY_MS = 2000
STATUS_KINDS = {
    "created": "pending",
    "claimed": "claimed",
    "forwarded": "claimed",
    "taken_over": "claimed",
    "handed_back": "claimed",
    "resolved": "resolved",
    # The point closed with the case open: for the customer it ended as a resolved one does.
    "expired": "resolved",
}


class LiveCase:
    """The case as the customer may see it, folded from the case's changes."""

    def __init__(self, case: dict):
        self.case = case
        self.status = "pending"
        self.taken_over = False

    def fold(self, change: dict) -> bool:
        """Apply one change; True when the customer's view of the status changed."""
        before = (self.status, self.taken_over)
        self.status = STATUS_KINDS.get(change["kind"], self.status)
        if change["kind"] == "taken_over":
            self.taken_over = True
        elif change["kind"] in ("handed_back", "resolved", "expired"):
            self.taken_over = False
        return (self.status, self.taken_over) != before

    def view(self, ahead: int) -> dict:
        """The status event's data; never who the advisor is."""
        return {"ticket": self.case["ticket"], "status": self.status, "ahead": ahead, "taken_over": self.taken_over}


@router.get(
    "/live/{conversation_id}",
    response_class=EventSourceResponse,
    responses={403: {"description": "origin not allowed"}, 404: {"description": "no case for this conversation"}},
    summary="The customer's live feed of their handoff case (Server-Sent Events)",
)
async def live(
    request: Request,
    case: ConversationCase,
    cases: Cases,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Events: `status` {ticket, status, ahead, taken_over} when it changes, `message` {id, from, text} for
    each advisor's line, `ended` {authority} when the case is resolved (then the feed closes).

    Event ids are the case's change ids: reconnecting with Last-Event-ID (or `?after=`) repeats nothing.
    """
    resume = resume_cursor(last_event_id, after)
    live_case = LiveCase(case)
    cursor = 0
    sent: dict | None = None
    started = time.monotonic()
    # Woken by any change at the point (another case claimed moves this one up the queue), or polling.
    feed = FeedChanges(
        request.app.state.change_listener,
        lambda since: cases.changes_after(since, case_id=case["id"]),
        lambda ids: cases.changes_with_ids(ids, case_id=case["id"]),
    )
    try:
        while time.monotonic() - started < MAX_FEED_SECONDS:
            for change in await feed.fetch():
                cursor = max(cursor, change["id"])
                changed = live_case.fold(change)
                if change["id"] <= resume:
                    continue
                if change["kind"] == "message" and change["actor"] != "customer" and change["text"]:
                    yield ServerSentEvent(
                        event="message",
                        id=str(change["id"]),
                        data={"id": change["id"], "from": "advisor", "text": change["text"]},
                    )
                elif changed:
                    sent = live_case.view(await _ahead(cases, live_case))
                    yield ServerSentEvent(event="status", id=str(change["id"]), data=sent, retry=RETRY_MS)
                if live_case.status == "resolved":
                    resolved = await run_in_threadpool(cases.get, case["id"])
                    yield ServerSentEvent(
                        event="ended", id=str(change["id"]), data={"authority": (resolved or {}).get("authority")}
                    )
                    return
            if live_case.status == "resolved":
                # Resumed after the end: the page only needs to hear that it ended.
                ended = {"authority": case.get("authority")}
                yield ServerSentEvent(event="ended", id=str(max(cursor, resume)), data=ended)
                return
            view = live_case.view(await _ahead(cases, live_case))
            if view != sent:
                sent = view
                yield ServerSentEvent(event="status", id=str(max(cursor, resume)), data=view, retry=RETRY_MS)
            await feed.wait(POLL_SECONDS, IDLE_SECONDS)
    finally:
        feed.close()


async def _ahead(cases: CaseStore, live_case: LiveCase) -> int:
    if live_case.status != "pending":
        return 0
    return await run_in_threadpool(cases.ahead_of, live_case.case)


def _clean_text(value):
    cleaned = clean_message(value)
    return cleaned or None


class FeedbackRequest(BaseModel):
    """A customer's rating (1-5) and optional words for the authority concerned."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "conversation_id": "k3XbQ9vT2mLp8wRz4nYc",
                    "point": "example-point",
                    "channel": "kiosk",
                    "language": "fi",
                    "authority": "kela",
                    "rating": 4,
                    "text": "Sain apua nopeasti.",
                }
            ]
        }
    }

    conversation_id: str = Field(pattern=CONVERSATION_ID)
    point: str = Field(pattern=POINT_ID)
    channel: Channel
    language: Language
    authority: str = Field(pattern=r"^[a-z0-9_-]{1,64}$", description="an authority id of the catalogue")
    rating: int = Field(ge=1, le=5)
    text: Annotated[
        Annotated[str, Field(max_length=MAX_TEXT_CHARS)] | None,
        BeforeValidator(_clean_text),
        Field(description="optional words; identity codes and phone numbers are removed"),
    ] = None


class FeedbackReply(BaseModel):
    """The feedback was stored."""

    recorded: bool = True


@router.post(
    "/feedback",
    response_model=FeedbackReply,
    responses={
        **RATE_LIMITED,
        409: {
            "description": "refused: the conversation has given its feedback (`reason`: already_rated) or had "
            "no matter to rate (`reason`: no_matter); `message` in the customer's language"
        },
    },
    summary="Record the customer's feedback (1-5 and optional text) for an authority",
)
def feedback(
    body: FeedbackRequest,
    request: Request,
    settings: SettingsDep,
    cat: CatalogueDep,
    texts: TextsDep,
    limiter: RateLimiterDep,
    store: FeedbackStoreDep,
    engine: DbEngine,
    who: ClientChannel,
):
    """Store the feedback with its text redacted, and count it in the statistics.

    Only once per conversation, and only for a conversation that had a matter (a case, or a checklist,
    form, booking or ticket the assistant showed): a made-up conversation adds nothing to the
    statistics. The channel is "kiosk", at the kiosk's point, only with a registered device's cookie.
    """
    known_point(body.point, cat)  # a real point, even when a kiosk's device decides which
    point = known_point(who.point or body.point, cat)
    if body.authority not in cat.active_authorities(dt.datetime.now(HELSINKI).date()):
        raise HTTPException(status_code=422, detail=f"unknown or ended authority {body.authority!r}")
    try:
        limiter.hit(settings.feedback_rate_limit_client, "feedback-client", client_address(request))
        limiter.hit(settings.feedback_rate_limit_point, "feedback-point", point["id"])
    except RateLimited as exc:
        return too_many(exc)
    if already_rated(engine, body.conversation_id):
        return _refused("already_rated", texts.text(body.language, "limits.feedback_already"))
    if not had_matter(engine, settings.tracker_store_url, body.conversation_id):
        return _refused("no_matter", texts.text(body.language, "limits.feedback_no_matter"))
    try:
        store.record(
            point_id=point["id"],
            channel=who.channel,
            language=body.language,
            authority=body.authority,
            rating=body.rating,
            text=body.text,
            conversation_id=body.conversation_id,
        )
    except AlreadyRated:  # two posts at once, on two workers: the database's unique index let one in
        return _refused("already_rated", texts.text(body.language, "limits.feedback_already"))
    return FeedbackReply()


def _refused(reason: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": reason, "reason": reason, "message": message}, status_code=409)
