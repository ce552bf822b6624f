"""The chat gateway: the kiosk and the widget talk to Rasa only through here."""
from __future__ import annotations

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from kiosk_ui.deps import (check_origin, client_address, get_case_store, get_catalogue, get_rasa_client,
                           get_rate_limiter, get_settings, get_texts, known_point)
from kiosk_ui.gateway import (ChatReply, ChatRequest, HandoffReply, HandoffRequest, RasaUnavailable, ask_rasa,
                              echo_of)
from kiosk_ui.ratelimit import RateLimited, RateLimiter
from kiosk_ui.settings import Settings
from kiosk_ui.texts import Texts
from service_catalogue.loader import Catalogue
from store.cases import CaseStore

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[Depends(check_origin)])

RATE_LIMITED = {429: {"description": "Too many messages; the Retry-After header says how many seconds to wait"}}


def too_many(exc: RateLimited) -> JSONResponse:
    """429 with Retry-After."""
    return JSONResponse({"detail": "rate limited"}, status_code=429,
                        headers={"Retry-After": str(exc.retry_after)})


@router.post("/chat", response_model=ChatReply, responses={**RATE_LIMITED, 403: {"description": "origin not allowed"}},
             summary="Send one customer message to the assistant")
async def chat(body: ChatRequest, request: Request,
               settings: Settings = Depends(get_settings), cat: Catalogue = Depends(get_catalogue),
               texts: Texts = Depends(get_texts), limiter: RateLimiter = Depends(get_rate_limiter),
               client: httpx.AsyncClient = Depends(get_rasa_client)):
    """Forward the message to Rasa's REST channel with channel, point and (when chosen) language metadata.

    Rasa's reply objects come back unchanged. When Rasa or the action server does not answer, the
    reply is still 200, with one plain message in the screen's language and `degraded: true`.
    """
    known_point(body.point, cat)
    try:
        limiter.hit(settings.chat_rate_limit_client, "chat-client", client_address(request))
        limiter.hit(settings.chat_rate_limit_conversation, "chat-conversation", body.conversation_id)
    except RateLimited as exc:
        return too_many(exc)
    echo = echo_of(body.message)
    try:
        messages = await ask_rasa(client, str(settings.rasa_url), body)
    except RasaUnavailable:
        lang = body.language or body.ui_language or "fi"
        text = texts.text(lang, f"gateway.unavailable_{body.channel}")
        return ChatReply(messages=[{"text": text, "custom": {"type": "unavailable"}}], degraded=True, echo=echo)
    return ChatReply(messages=messages, degraded=False, echo=echo)


@router.post("/handoff", response_model=HandoffReply, responses=RATE_LIMITED,
             summary="Call the advisor directly (the assistant is down, or a paper form is wanted)")
def handoff(body: HandoffRequest, request: Request,
            settings: Settings = Depends(get_settings), cat: Catalogue = Depends(get_catalogue),
            limiter: RateLimiter = Depends(get_rate_limiter), cases: CaseStore = Depends(get_case_store)):
    """Store a handoff case in the app's database and return its ticket number."""
    point = known_point(body.point, cat)
    try:
        limiter.hit(settings.handoff_rate_limit_client, "handoff-client", client_address(request))
    except RateLimited as exc:
        return too_many(exc)
    form = cat.form(body.form) if body.form else None
    forms = [form["code"]] if form else []
    case = cases.create_case(point_id=point["id"], conversation_id=body.conversation_id, language=body.language,
                             channel=body.channel, reason=body.reason, forms=forms, services=[], intents=[],
                             summary=f"forms: {', '.join(forms)}" if forms else "")
    return HandoffReply(ticket=case["ticket"])
