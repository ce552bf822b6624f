"""FastAPI dependencies: every router gets settings, templates, texts, stores, clients and the staff session
from here, as the Annotated aliases at the end of this file (`cases: Cases`, `info: Advisor`)."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, urlsplit

import httpx
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from booking.client import BookingClient
from booking.config import BookingConfig
from kiosk_ui.gateway import CONVERSATION_ID
from kiosk_ui.rasa_api import ConversationControl, OfflineConversationControl, RasaConversationControl
from kiosk_ui.ratelimit import RateLimiter
from kiosk_ui.settings import Settings
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.context import page_context, set_page_language, set_staff_member
from service_catalogue.loader import Catalogue
from store.accounts import AccountStore, SessionInfo
from store.cases import CaseStore
from store.catalogue_workspace import CatalogueWorkspace
from store.devices import DeviceStore
from store.events import EventLog
from store.feedback import FeedbackStore
from store.form_pdfs import FormPdfs
from store.login_throttle import LoginThrottleStore, Policy, ThrottleConfig
from store.receipts import ReceiptStore
from store.statistics import Statistics
from training.bank import ModelBank
from training.data import TrainingData
from training.evalset import EvalSet
from training.inbox import Inbox

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def make_templates() -> Jinja2Templates:
    """Jinja2 templates with autoescaping on for every file; every page gets its `lang` and `t` from page_context."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[page_context])
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


def current_catalogue(app: FastAPI) -> Catalogue:
    """The published catalogue (app.state.catalogue_live); when a publish changed it, what the app builds from
    it (booking configuration and client, widget script) is rebuilt first."""
    cat = app.state.catalogue_live.get()
    if cat is not app.state.catalogue:
        app.state.catalogue_rebuild(cat)
    return cat


def get_catalogue(request: Request) -> Catalogue:
    """The catalogue as published, validated; the previous one while a newly published one fails to load."""
    return current_catalogue(request.app)


def get_catalogue_workspace(request: Request) -> CatalogueWorkspace:
    """The editors' catalogue: drafts, publishing, history (store.catalogue_workspace)."""
    return request.app.state.catalogue_workspace


def get_booking_client(request: Request) -> BookingClient:
    """The booking client, over the app's database."""
    current_catalogue(request.app)
    return request.app.state.booking_client


def get_booking_config(request: Request) -> BookingConfig:
    """Booking topics, kinds, labels and date formats from the catalogue."""
    current_catalogue(request.app)
    return request.app.state.booking_config


def get_texts(request: Request) -> Texts:
    """The UI texts in every language, checked at start-up."""
    return request.app.state.texts


def get_rasa_client(request: Request) -> httpx.AsyncClient:
    """The HTTP client the gateway talks to Rasa with, opened when the app starts (tests swap it)."""
    return request.app.state.rasa_client


def conversation_control_of(app: FastAPI) -> ConversationControl:
    """The app's conversation control (also for the queue's expiry job, which has no request)."""
    settings: Settings = app.state.settings
    if settings.rasa_token is None:
        return OfflineConversationControl()
    return RasaConversationControl(
        app.state.rasa_client,
        str(settings.rasa_url),
        settings.rasa_token.get_secret_value(),
        settings.rasa_control_timeout_seconds,
    )


def get_conversation_control(request: Request) -> ConversationControl:
    """Pauses and resumes the assistant for a takeover; refuses when no RASA_TOKEN is set (tests swap it)."""
    return conversation_control_of(request.app)


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's rate limiter."""
    return request.app.state.rate_limiter


def get_case_store(request: Request) -> CaseStore:
    """Handoff cases over the app's database engine."""
    return CaseStore(engine=request.app.state.db_engine)


def get_event_log(request: Request) -> EventLog:
    """The service event log (apudiaari) over the app's engine; it refuses pairs the catalogue does not list."""
    return EventLog(request.app.state.db_engine, current_catalogue(request.app).valid_pair)


def client_address(request: Request) -> str:
    """Who is asking, for rate limits: the peer address (uvicorn --proxy-headers fills it in behind a proxy)."""
    return request.client.host if request.client else "unknown"


def known_point(point: str, cat: Catalogue) -> dict:
    """The catalogue's point with this id, or 422: cases and metadata must name a real point."""
    if point != cat.point["id"]:
        raise HTTPException(status_code=422, detail=f"unknown point {point!r}")
    return cat.point


def host_allowed(host: str, allowed_hosts: list[str]) -> bool:
    """Whether a host name is one of the app's own (ALLOWED_HOSTS: exact names or `*.example.fi`); a bare
    `*` names no host, so it never makes a foreign origin our own."""
    host = host.lower().rstrip(".")
    for pattern in (p.lower() for p in allowed_hosts):
        if pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def check_origin(request: Request) -> None:
    """Refuse a cross-site call from an origin that is not allowed, even when the browser did not preflight it.

    Allowed: ALLOWED_ORIGINS (the municipality's sites) and the app's own host names from ALLOWED_HOSTS;
    never whatever the Host header says (a forged or DNS-rebound Host must not make an origin our own).
    """
    origin = request.headers.get("origin")
    if origin is None:
        return
    settings: Settings = request.app.state.settings
    try:
        host = urlsplit(origin).hostname
    except ValueError:
        host = None
    if origin.lower() not in settings.allowed_origins and not (host and host_allowed(host, settings.allowed_hosts)):
        raise HTTPException(status_code=403, detail="origin not allowed")


STAFF_COOKIE = "staff_session"


def get_account_store(request: Request) -> AccountStore:
    """Staff accounts and sessions over the app's database engine."""
    return AccountStore(request.app.state.db_engine)


def staff_lang(request: Request) -> str:
    """The staff pages' language: ?lang=fi|sv|en, Finnish by default."""
    lang = request.query_params.get("lang", "fi")
    return lang if lang in LANGUAGES else "fi"


def staff_page(request: Request) -> None:
    """A staff router's dependency: its pages are in staff_lang() and show the staff texts."""
    set_page_language(request, staff_lang(request), "staff")


def customer_page(request: Request) -> None:
    """A customer router's dependency: its pages and sheets are in their `lang` query parameter, which
    each route validates (fi|sv|en, Finnish by default), and get every text."""
    lang = request.query_params.get("lang", "fi")
    set_page_language(request, lang if lang in LANGUAGES else "fi")


# The 403 detail of a signed-in staff member whose role does not reach the page (kiosk_ui.errors renders it).
ROLE_REFUSED = "not allowed for your role"


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


def require_role(role: str, *, allow_password_change: bool = False) -> Callable[..., SessionInfo]:
    """A dependency: the session of a staff member with at least this role (else 403).

    Until a one-time password is changed, every page but the password form leads to that form.
    """

    def dependency(request: Request, info: Annotated[SessionInfo, Depends(current_staff)]) -> SessionInfo:
        if info.account.must_change_password and not allow_password_change:
            if wants_json(request):
                raise HTTPException(status_code=403, detail="change your password first")
            raise _redirect(request, "/staff/password")
        if not info.account.has_role(role):
            set_staff_member(request, info)  # the refused page's header shows what this role can open
            raise HTTPException(status_code=403, detail=ROLE_REFUSED)
        set_staff_member(request, info)
        return info

    return dependency


def csrf_matches(expected: str | None, sent: str | None) -> bool:
    """Constant-time comparison of the form's CSRF token with the session's."""
    if not expected or not sent:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8"))


def get_widget_script(request: Request) -> str:
    """The widget script, built at start-up and again when a publish changes the catalogue."""
    current_catalogue(request.app)
    return request.app.state.widget_script


def get_feedback_store(request: Request) -> FeedbackStore:
    """Customers' feedback over the app's database engine."""
    return FeedbackStore(request.app.state.db_engine)


def get_receipt_store(request: Request) -> ReceiptStore:
    """Document receipts over the app's database engine."""
    return ReceiptStore(request.app.state.db_engine)


def get_statistics(request: Request) -> Statistics:
    """Statistics over the app's service events."""
    return Statistics(request.app.state.db_engine)


def get_training_data(request: Request) -> TrainingData:
    """The training examples (nlu_data/ and the editors' changes) over the app's database engine, with the
    topics of the catalogue the app serves (a new topic can get examples as soon as it is published)."""
    return TrainingData(request.app.state.db_engine, topics_source=lambda: get_catalogue(request))


def get_eval_set(request: Request) -> EvalSet:
    """The evaluation set of real messages."""
    return EvalSet(request.app.state.db_engine)


def get_inbox(request: Request) -> Inbox:
    """The editors' inbox over Rasa's tracker store and the app database."""
    settings: Settings = request.app.state.settings
    return Inbox(request.app.state.db_engine, settings.tracker_store_url, settings.inbox_retention_days)


def get_model_bank(request: Request) -> ModelBank:
    """The model bank: models in the app database, files under the settings' model_bank_dir."""
    return ModelBank(request.app.state.db_engine, request.app.state.settings.model_bank_dir)


def get_form_pdfs(request: Request) -> FormPdfs:
    """The official form PDFs (issue 15): rows in the app database, files under FORM_FILES_DIR, checked
    against the catalogue's forms."""
    settings: Settings = request.app.state.settings
    return FormPdfs(
        request.app.state.db_engine, settings.form_files_dir, get_catalogue(request).forms, settings.form_pdf_max_bytes
    )


def resume_cursor(last_event_id: str | None, after: int | None) -> int:
    """Where a reconnecting page left off: the Last-Event-ID header, or ?after= for a reloaded page."""
    return row_id_of(last_event_id) or after or 0


async def case_of_conversation(
    conversation_id: Annotated[str, PathParam(pattern=CONVERSATION_ID)],
    cases: Annotated[CaseStore, Depends(get_case_store)],
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="resume after this event id")] = None,
) -> dict:
    """The case the feed follows, or 404; a resolved case only for a page resuming its feed."""
    case = await run_in_threadpool(cases.latest_case_for, conversation_id)
    if case is None or (case["status"] == "resolved" and not resume_cursor(last_event_id, after)):
        raise HTTPException(status_code=404, detail="no case for this conversation")
    return case


# The dependencies as annotated types: a handler names what it needs, `cases: Cases`, and FastAPI
# supplies it. One dependency callable per role, so FastAPI resolves a session once per request.

SettingsDep = Annotated[Settings, Depends(get_settings)]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
TextsDep = Annotated[Texts, Depends(get_texts)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
CatalogueWorkspaceDep = Annotated[CatalogueWorkspace, Depends(get_catalogue_workspace)]
DbEngine = Annotated[Engine, Depends(get_db_engine)]
Cases = Annotated[CaseStore, Depends(get_case_store)]
Events = Annotated[EventLog, Depends(get_event_log)]
BookingClientDep = Annotated[BookingClient, Depends(get_booking_client)]
BookingConfigDep = Annotated[BookingConfig, Depends(get_booking_config)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
RasaClient = Annotated[httpx.AsyncClient, Depends(get_rasa_client)]
Control = Annotated[ConversationControl, Depends(get_conversation_control)]
Accounts = Annotated[AccountStore, Depends(get_account_store)]
FeedbackStoreDep = Annotated[FeedbackStore, Depends(get_feedback_store)]
ReceiptsDep = Annotated[ReceiptStore, Depends(get_receipt_store)]
StatisticsDep = Annotated[Statistics, Depends(get_statistics)]
WidgetScript = Annotated[str, Depends(get_widget_script)]
TrainingDataDep = Annotated[TrainingData, Depends(get_training_data)]
EvalSetDep = Annotated[EvalSet, Depends(get_eval_set)]
InboxDep = Annotated[Inbox, Depends(get_inbox)]
ModelBankDep = Annotated[ModelBank, Depends(get_model_bank)]
FormPdfsDep = Annotated[FormPdfs, Depends(get_form_pdfs)]
# The customer's open (or, for a resuming page, resolved) case that a live feed follows.
ConversationCase = Annotated[dict, Depends(case_of_conversation)]

require_staff = require_role("advisor", allow_password_change=True)
require_advisor = require_role("advisor")
require_editor = require_role("editor")
require_admin = require_role("admin")
# Any signed-in staff member, also one who must still change a one-time password (logout, password form).
Staff = Annotated[SessionInfo, Depends(require_staff)]
Advisor = Annotated[SessionInfo, Depends(require_advisor)]
Editor = Annotated[SessionInfo, Depends(require_editor)]
Admin = Annotated[SessionInfo, Depends(require_admin)]

# --- Kiosk devices (issue 12): only a browser holding a registered device's cookie is a kiosk. ---

DEVICE_COOKIE = "kiosk_device"


def get_device_store(request: Request) -> DeviceStore:
    """Registered kiosk devices over the app's database engine."""
    return DeviceStore(request.app.state.db_engine)


@dataclass(frozen=True)
class ClientKind:
    """Who is calling the public API: a registered kiosk (channel "kiosk", its device's point) or anyone ("web")."""

    channel: Literal["kiosk", "web"]
    device: dict | None = None

    @property
    def point(self) -> str | None:
        """The device's point; None for a web client, whose point is the one it names."""
        return self.device["point_id"] if self.device else None


def client_kind(request: Request) -> ClientKind:
    """Channel "kiosk" only with a valid, unrevoked device cookie; a body claiming "kiosk" without one is "web"."""
    device = get_device_store(request).identify(request.cookies.get(DEVICE_COOKIE))
    return ClientKind("kiosk", device) if device else ClientKind("web")


Devices = Annotated[DeviceStore, Depends(get_device_store)]
ClientChannel = Annotated[ClientKind, Depends(client_kind)]


# Staff login throttling (issue 12).


def login_throttle_config(settings: Settings) -> ThrottleConfig:
    """The login throttle's policies from the settings."""
    base = settings.staff_login_base_delay_seconds
    return ThrottleConfig(
        user=Policy(settings.staff_login_free_failures, base, settings.staff_login_user_max_delay_seconds),
        pair=Policy(settings.staff_login_free_failures, base, settings.staff_login_pair_max_delay_seconds),
        address=Policy(
            settings.staff_login_address_free_failures, base, settings.staff_login_address_max_delay_seconds
        ),
        device_failures=settings.staff_login_device_failures,
        forget=dt.timedelta(hours=settings.staff_login_forget_hours),
        device_lifetime=dt.timedelta(days=settings.staff_login_device_days),
    )


def get_login_throttle(request: Request) -> LoginThrottleStore:
    """Failed staff logins over the app database (tests override this to give it a clock)."""
    return LoginThrottleStore(request.app.state.db_engine, login_throttle_config(request.app.state.settings))


LoginThrottleDep = Annotated[LoginThrottleStore, Depends(get_login_throttle)]


# Row ids in paths (issue 12, no 500 for any input): a database integer is at most 2**63 - 1, so a larger
# id is refused with 422 instead of overflowing the driver.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID, description="a row id")]


def row_id_of(text: str | None) -> int | None:
    """A row id typed in a form or a header (ASCII digits, 1 to MAX_ROW_ID), else None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None
