"""The chat gateway: the kiosk and the widget talk to Rasa only through here."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from kiosk_ui.deps import (
    Cases,
    CatalogueDep,
    ClientChannel,
    RasaClient,
    RateLimiterDep,
    SettingsDep,
    TextsDep,
    check_origin,
    client_address,
    known_point,
)
from kiosk_ui.gateway import ChatReply, ChatRequest, HandoffReply, HandoffRequest, RasaUnavailable, ask_rasa, echo_of
from kiosk_ui.ratelimit import RateLimited
from kiosk_ui.views.limits import RATE_LIMITED, too_many
from kiosk_ui.views.public import web_handoff_unavailable
from store.cases import CaseConflict, CaseStore

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[Depends(check_origin)])
# A full queue empties as the advisor calls customers: worth asking again after a minute.
QUEUE_FULL_RETRY_SECONDS = 60
HANDOFF_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "a web customer cannot be handed over now (`reason`: closed or no_advisor; `message`)"},
    429: {
        "description": "too many handoffs from this client, or the point's queue is full (`reason`: queue_full, "
        "`message` in the customer's language); Retry-After says when to ask again"
    },
}


@router.post(
    "/chat",
    response_model=ChatReply,
    responses={**RATE_LIMITED, 403: {"description": "origin not allowed"}},
    summary="Send one customer message to the assistant",
)
async def chat(
    body: ChatRequest,
    request: Request,
    settings: SettingsDep,
    cat: CatalogueDep,
    texts: TextsDep,
    limiter: RateLimiterDep,
    client: RasaClient,
    cases: Cases,
    who: ClientChannel,
):
    """Forward the message to Rasa's REST channel with channel, point, page language and (when chosen) language.

    The channel is "kiosk", at the kiosk's point, only for a browser holding a registered device's
    cookie; any other caller is answered as "web", whatever the body says.

    Rasa's reply objects come back unchanged. When Rasa or the action server does not answer, the
    reply is still 200, with one plain message in the screen's language and `degraded: true`.
    While an advisor has taken the conversation over, the redacted message goes to the advisor's
    chat and the reply is `messages: []`, `taken_over: true` (the paused assistant answers nothing).
    """
    known_point(body.point, cat)  # a real point, even when a kiosk's device decides which
    point = known_point(who.point or body.point, cat)
    body = body.model_copy(update={"channel": who.channel, "point": point["id"]})
    try:
        limiter.hit(settings.chat_rate_limit_client, "chat-client", client_address(request))
        limiter.hit(settings.chat_rate_limit_conversation, "chat-conversation", body.conversation_id)
    except RateLimited as exc:
        return too_many(exc)
    echo = echo_of(body.message)
    if await _to_advisor(body, echo, cases):
        # Rasa still hears the message so its tracker keeps the whole conversation; when it is down, the
        # advisor still has the message and the assistant's silence changes nothing for the customer.
        with contextlib.suppress(RasaUnavailable):
            await ask_rasa(client, str(settings.rasa_url), body, allow_empty=True, secret=settings.gateway_secret)
        return ChatReply(messages=[], degraded=False, echo=echo, taken_over=True)
    try:
        # Signed: Rasa's channel believes channel and point only from here (GATEWAY_SECRET).
        messages = await ask_rasa(client, str(settings.rasa_url), body, secret=settings.gateway_secret)
    except RasaUnavailable:
        lang = body.language or body.ui_language or "fi"
        text = texts.text(lang, f"gateway.unavailable_{body.channel}")
        return ChatReply(messages=[{"text": text, "custom": {"type": "unavailable"}}], degraded=True, echo=echo)
    return ChatReply(messages=messages, degraded=False, echo=echo)


async def _to_advisor(body: ChatRequest, echo: str, cases: CaseStore) -> bool:
    """Store the message in the taken-over case of the conversation; False when no advisor has it."""

    def store() -> bool:
        case = cases.open_case_for(body.conversation_id)
        if not case or not case["taken_over"]:
            return False
        try:
            cases.add_message(case["id"], "customer", echo)
        except CaseConflict:
            return False  # resolved a moment ago: the assistant answers again
        return True

    return await run_in_threadpool(store)


@router.post(
    "/handoff",
    response_model=HandoffReply,
    responses=HANDOFF_REFUSED,
    summary="Call the advisor directly (the assistant is down, or a paper form is wanted)",
)
def handoff(
    body: HandoffRequest,
    request: Request,
    settings: SettingsDep,
    cat: CatalogueDep,
    limiter: RateLimiterDep,
    cases: Cases,
    texts: TextsDep,
    who: ClientChannel,
):
    """Store a handoff case in the app's database and return its ticket number.

    A registered kiosk (its device cookie) hands over at its point at any time; anyone else is a web
    customer, handed over only while the point is open and an advisor is on duty, as the assistant does.
    Nobody gets a ticket while the point's queue is full.
    """
    known_point(body.point, cat)  # a real point, even when a kiosk's device decides which
    point = known_point(who.point or body.point, cat)
    try:
        limiter.hit(settings.handoff_rate_limit_client, "handoff-client", client_address(request))
    except RateLimited as exc:
        return too_many(exc)
    if who.channel == "web":
        why = web_handoff_unavailable(cat, cases, point["id"])
        if why:
            return _refused(409, why, texts.text(body.language, f"limits.handoff_{why}"))
    if cases.waiting(point["id"]) >= settings.handoff_queue_limit:
        return _refused(
            429,
            "queue_full",
            texts.text(body.language, "limits.queue_full"),
            {"Retry-After": str(QUEUE_FULL_RETRY_SECONDS)},
        )
    form = cat.form(body.form) if body.form else None
    forms = [form["code"]] if form else []
    case = cases.create_case(
        point_id=point["id"],
        conversation_id=body.conversation_id,
        language=body.language,
        channel=who.channel,
        reason=body.reason,
        forms=forms,
        services=[],
        intents=[],
        summary="",  # the dashboard names the form in the advisor's language
    )
    return HandoffReply(ticket=case["ticket"])


def _refused(status: int, reason: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A handoff that gives no ticket: why, and what to tell the customer in their language."""
    return JSONResponse({"detail": reason, "reason": reason, "message": message}, status_code=status, headers=headers)
