"""FastAPI dependencies: every router gets settings, templates, texts, the catalogue and clients from here."""

from __future__ import annotations

import hmac
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from booking.client import BookingClient
from booking.config import BookingConfig
from kiosk_ui.rasa_api import ConversationControl, OfflineConversationControl, RasaConversationControl
from kiosk_ui.ratelimit import RateLimiter
from kiosk_ui.settings import Settings
from kiosk_ui.texts import Texts
from service_catalogue.loader import Catalogue
from store.accounts import AccountStore, SessionInfo
from store.cases import CaseStore
from store.events import EventLog

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def make_templates() -> Jinja2Templates:
    """Jinja2 templates with autoescaping on for every file."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.autoescape = True
    return templates


def get_settings(request: Request) -> Settings:
    """The settings validated at start-up."""
    return request.app.state.settings


def get_templates(request: Request) -> Jinja2Templates:
    """The app's templates."""
    return request.app.state.templates


def get_db_engine(request: Request) -> Engine:
    """The app's database engine, made once at start-up."""
    return request.app.state.db_engine


def get_catalogue(request: Request) -> Catalogue:
    """The catalogue validated at start-up."""
    return request.app.state.catalogue


def get_booking_client(request: Request) -> BookingClient:
    """The booking client, over the app's database."""
    return request.app.state.booking_client


def get_booking_config(request: Request) -> BookingConfig:
    """Booking topics, kinds, labels and date formats from the catalogue."""
    return request.app.state.booking_config


def get_texts(request: Request) -> Texts:
    """The UI texts in every language, checked at start-up."""
    return request.app.state.texts


def get_rasa_client(request: Request) -> httpx.AsyncClient:
    """The HTTP client the gateway talks to Rasa with, opened when the app starts (tests swap it)."""
    return request.app.state.rasa_client


def get_conversation_control(request: Request) -> ConversationControl:
    """Pauses and resumes the assistant for a takeover; refuses when no RASA_TOKEN is set (tests swap it)."""
    settings: Settings = request.app.state.settings
    if settings.rasa_token is None:
        return OfflineConversationControl()
    return RasaConversationControl(
        request.app.state.rasa_client,
        str(settings.rasa_url),
        settings.rasa_token.get_secret_value(),
        settings.rasa_control_timeout_seconds,
    )


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's rate limiter."""
    return request.app.state.rate_limiter


def get_case_store(request: Request) -> CaseStore:
    """Handoff cases over the app's database engine."""
    return CaseStore(engine=request.app.state.db_engine)


def get_event_log(request: Request) -> EventLog:
    """The service event log (apudiaari) over the app's database engine."""
    return EventLog(request.app.state.db_engine)


def client_address(request: Request) -> str:
    """Who is asking, for rate limits: the peer address (uvicorn --proxy-headers fills it in behind a proxy)."""
    return request.client.host if request.client else "unknown"


def known_point(point: str, cat: Catalogue) -> dict:
    """The catalogue's point with this id, or 422: cases and metadata must name a real point."""
    if point != cat.point["id"]:
        raise HTTPException(status_code=422, detail=f"unknown point {point!r}")
    return cat.point


def check_origin(request: Request) -> None:
    """Refuse a cross-site call from an origin that is not allowed, even when the browser did not preflight it."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = f"{request.url.scheme}://{request.url.netloc}".lower()
    if origin.lower() != own and origin.lower() not in request.app.state.settings.allowed_origins:
        raise HTTPException(status_code=403, detail="origin not allowed")


STAFF_COOKIE = "staff_session"


def get_account_store(request: Request) -> AccountStore:
    """Staff accounts and sessions over the app's database engine."""
    return AccountStore(request.app.state.db_engine)


def staff_lang(request: Request) -> str:
    """The staff pages' language: ?lang=fi|sv|en, Finnish by default."""
    lang = request.query_params.get("lang", "fi")
    return lang if lang in ("fi", "sv", "en") else "fi"


def wants_json(request: Request) -> bool:
    """A JSON client (fetch with Accept: application/json): it gets status codes instead of redirects."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _redirect(request: Request, path: str) -> HTTPException:
    return HTTPException(status_code=303, headers={"Location": f"{path}?lang={quote(staff_lang(request))}"})


def current_staff(request: Request) -> SessionInfo:
    """The signed-in staff member's session: anonymous pages go to the login, JSON gets 401."""
    info = get_account_store(request).session(request.cookies.get(STAFF_COOKIE))
    if info is None:
        if wants_json(request):
            raise HTTPException(status_code=401, detail="sign in first")
        raise _redirect(request, "/staff/login")
    return info


def require_role(role: str, *, allow_password_change: bool = False):
    """A dependency: the session of a staff member with at least this role (else 403).

    Until a one-time password is changed, every page but the password form leads to that form.
    """

    def dependency(request: Request, info: SessionInfo = Depends(current_staff)) -> SessionInfo:
        if info.account.must_change_password and not allow_password_change:
            if wants_json(request):
                raise HTTPException(status_code=403, detail="change your password first")
            raise _redirect(request, "/staff/password")
        if not info.account.has_role(role):
            raise HTTPException(status_code=403, detail="not allowed for your role")
        return info

    return dependency


def csrf_matches(expected: str | None, sent: str | None) -> bool:
    """Constant-time comparison of the form's CSRF token with the session's."""
    if not expected or not sent:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8"))


def get_widget_script(request: Request) -> str:
    """The widget script, built once at start-up."""
    return request.app.state.widget_script
