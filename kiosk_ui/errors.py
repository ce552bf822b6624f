"""Refusals as clear 4xx answers: validation and decoding errors, in the caller's language where a customer sees them.

The kiosk and the widget call /api/*: their error bodies keep FastAPI's `detail` and add `message`, one
sentence from kiosk_ui/i18n/errors.*.yml in the body's `ui_language` / `language`, else the browser's
Accept-Language, else Finnish. Pages get a plain-text refusal in their `lang`; a staff page refused with
403 (a role that does not reach it, an expired form) is a page of its own in the staff member's language
with a way back, while fetch and JSON clients keep the JSON. Nothing here turns an unexpected exception
into a 4xx: a bug stays a 500 and is logged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.context import set_page_language

CUSTOMER_API = "/api/"
STAFF_PAGES = "/staff"
# Why a staff page was refused (the 403's detail, from kiosk_ui.deps and kiosk_ui.views.forms) -> its text key.
STAFF_REFUSALS = {"not allowed for your role": "refused_role", "missing or wrong CSRF token": "refused_csrf"}
# The text key of each refusal; any other 4xx reads as a bad request.
STATUS_TEXTS = {
    400: "bad_request",
    401: "sign_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported",
    422: "invalid",
    429: "too_many",
}
# A JSON escape of a UTF-16 surrogate (\ud800-\udfff); only a body with one needs the closer look.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.ASCII)
SURROGATE = re.compile("[\ud800-\udfff]")
LANGUAGE_TAG = re.compile(r"^([a-zA-Z]{1,8})(?:-[a-zA-Z0-9]{1,8})*$")


def accept_language(header: str | None) -> str | None:
    """The best of fi, sv and en in an Accept-Language header (`sv-FI,sv;q=0.9,en;q=0.5`), or None.

    Starlette has no parser for it and this is its whole grammar (RFC 9110 §12.5.4): tags with
    optional q-weights; a dependency for it would be larger than these lines.
    """
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "")[:500].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        match = LANGUAGE_TAG.match(tag.strip())
        if not match or match.group(1).lower() not in LANGUAGES:
            continue
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if 0 < weight <= 1 and (best is None or (weight, -position) > (best[0], best[1])):
            best = (weight, -position, match.group(1).lower())
    return best[2] if best else None


def body_language(body: Any) -> str | None:
    """The language a JSON body asks for (`ui_language`, then `language`), when it names one of ours."""
    if isinstance(body, dict):
        for key in ("ui_language", "language"):
            if body.get(key) in LANGUAGES:
                return body[key]
    return None


def caller_language(request: Request, body: Any = None) -> str:
    """The caller's language: the body's, the page's `lang`, the browser's, or Finnish."""
    lang = request.query_params.get("lang")
    return (
        body_language(body)
        or (lang if lang in LANGUAGES else None)
        or accept_language(request.headers.get("accept-language"))
        or "fi"
    )


def staff_language(request: Request) -> str:
    """A staff page's language: its `lang`, else Finnish (as kiosk_ui.deps.staff_lang)."""
    lang = request.query_params.get("lang")
    return lang if lang in LANGUAGES else "fi"


def refusal_text(texts: Texts, lang: str, status_code: int) -> str:
    """The sentence that explains a refusal with this status."""
    return texts.text(lang, f"errors.{STATUS_TEXTS.get(status_code, 'bad_request')}")


def _printable(value: Any) -> Any:
    """A value that encodes as UTF-8: a lone surrogate from the input becomes U+FFFD, not a 500 while answering."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def _errors(exc: RequestValidationError) -> list[dict]:
    # The input and its context are left out: they echo what was sent (maybe personal data, maybe undecodable).
    return [
        {
            "type": error.get("type"),
            "loc": [_printable(part) for part in error.get("loc", ())],
            "msg": _printable(error.get("msg")),
        }
        for error in exc.errors()
    ]


def _wants_page(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


async def validation_error(request: Request, exc: Exception) -> Response:
    """422 for input that does not fit the schema: JSON (with a message for /api/*) or a plain page."""
    assert isinstance(exc, RequestValidationError)
    texts: Texts = request.app.state.texts
    lang = caller_language(request, exc.body)
    if request.url.path.startswith(CUSTOMER_API) or not _wants_page(request):
        content: dict[str, Any] = {"detail": _errors(exc)}
        if request.url.path.startswith(CUSTOMER_API):
            content["message"] = refusal_text(texts, lang, 422)
        return JSONResponse(content, status_code=422)
    return PlainTextResponse(refusal_text(texts, lang, 422), status_code=422)


def _staff_refused_page(request: Request, exc: StarletteHTTPException) -> Response:
    """The staff member's refused page: what happened in their language, and the way back to the front page
    (the header's navigation lists what the role can open; the app sends no Referer to link the page before)."""
    page = getattr(request.state, "page_language", None)
    if page is None or page.section != "staff":
        # Refused before the router's own dependency ran: the staff texts all the same.
        set_page_language(request, staff_language(request), "staff")
    lang = request.state.page_language.lang
    errors = request.app.state.texts(lang)["errors"]
    return request.app.state.templates.TemplateResponse(
        request,
        "staff_refused.html",
        {"e": errors, "reason": STAFF_REFUSALS.get(str(exc.detail), "refused_other")},
        status_code=exc.status_code,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """An HTTPException as FastAPI answers it, plus the sentence in the customer's language on /api/*;
    a refused staff page as a page."""
    assert isinstance(exc, StarletteHTTPException)
    path = request.url.path
    if exc.status_code == 403 and (path == STAFF_PAGES or path.startswith(STAFF_PAGES + "/")) and _wants_page(request):
        return _staff_refused_page(request, exc)
    if not request.url.path.startswith(CUSTOMER_API) or exc.status_code >= 500 or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    detail: Any = _printable(exc.detail)
    if exc.status_code == 422 and isinstance(detail, str):
        # A route's own check of a body value (an unknown point or authority): the same shape as the
        # schema's validation errors, which is what the OpenAPI documents for 422.
        detail = [{"type": "value_error", "loc": ["body"], "msg": detail}]
    content = {
        "detail": detail,
        "message": refusal_text(request.app.state.texts, caller_language(request), exc.status_code),
    }
    return JSONResponse(content, status_code=exc.status_code, headers=exc.headers)


def add_error_handlers(app: FastAPI) -> None:
    """Register the refusal handlers on the app."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def has_lone_surrogate(body: bytes) -> tuple[bool, Any]:
    """Whether a JSON body carries a lone surrogate escape (`"\\ud800"`), and the parsed body when it parses.

    Python's json accepts them, but such a string is not Unicode text: it cannot be stored, logged or sent
    on as UTF-8 (RFC 7493 forbids it in I-JSON). A pair that makes one character is fine.
    """
    if not SURROGATE_ESCAPE.search(body):
        return False, None
    try:
        parsed = json.loads(body)
    except ValueError:
        return False, None  # FastAPI answers 422 json_invalid for it
    return any(SURROGATE.search(text) for text in _strings(parsed)), parsed


class RejectLoneSurrogates:
    """ASGI middleware: a JSON body with a lone surrogate is refused with 422 before any route sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        lone, parsed = has_lone_surrogate(body)
        if lone:
            request = Request(scope)
            lang = caller_language(request, parsed)
            texts: Texts = scope["app"].state.texts
            content: dict[str, Any] = {
                "detail": [{"type": "lone_surrogate", "loc": ["body"], "msg": "text with a lone UTF-16 surrogate"}]
            }
            if request.url.path.startswith(CUSTOMER_API):
                content["message"] = texts.text(lang, "errors.bad_text")
            await JSONResponse(content, status_code=422)(scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
    return False


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that hands out the buffered messages first, then waits on the real one (for disconnects)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
