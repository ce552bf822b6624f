"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from booking.client import LocalBookingClient
from booking.config import BookingConfig
from kiosk_ui.deps import conversation_control_of, make_templates
from kiosk_ui.errors import RejectLoneSurrogates, add_error_handlers
from kiosk_ui.expiry import CaseExpiryJob
from kiosk_ui.live_changes import ChangeListener
from kiosk_ui.logs import hide_query_tokens
from kiosk_ui.ratelimit import RateLimiter
from kiosk_ui.routers import (
    bookings,
    chat,
    forms,
    kiosk,
    live,
    model_server,
    printing,
    staff,
    staff_cases,
    staff_content,
    staff_devices,
    staff_examples,
    staff_forms,
    staff_inbox,
    staff_models,
    staff_ptv,
    staff_receipts,
    staff_remote,
    staff_statistics,
    status,
    widget,
)
from kiosk_ui.security_headers import SecurityHeaders
from kiosk_ui.settings import Settings
from kiosk_ui.texts import load_texts
from service_catalogue.loader import Catalogue
from store.cases import CaseStore
from store.catalogue_workspace import CatalogueWorkspace, LiveCatalogue
from store.db import open_database
from store.retention import RetentionJob, RetentionPolicy
from training.evaluation import evaluator
from training.jobs import TrainingRunner
from training.validation import rasa_data_validate

STATIC_DIR = Path(__file__).resolve().parent / "static"
TITLE = "Asiointipisteen avustaja / Samservicepunktens assistent / Service point assistant"
VERSION = "0.1.0"
# One router per surface, in the order the app matches them.
ROUTERS = (
    status.router,
    bookings.router,
    chat.router,
    kiosk.router,
    widget.router,
    printing.router,
    forms.router,
    staff.router,
    staff_cases.router,
    staff_receipts.router,
    staff_remote.router,
    staff_statistics.router,
    live.router,
    staff_inbox.router,
    staff_examples.router,
    staff_ptv.router,  # before staff_content: its /staff/content/import is not an entry
    staff_content.router,
    staff_models.router,
    staff_forms.router,
    staff_devices.router,
    model_server.router,
)


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Open the gateway's HTTP client to Rasa for the app's lifetime (one connection pool), and run the
    model bank's training jobs, the retention job and the queue's expiry in the background
    (app.state.training_runner, app.state.retention_job or app.state.expiry_job = False turns one off)."""
    settings: Settings = app.state.settings
    retention = getattr(app.state, "retention_job", None)
    if retention is None:
        retention = app.state.retention_job = RetentionJob(
            app.state.db_engine,
            settings.tracker_store_url,
            RetentionPolicy(
                conversation_days=settings.conversation_retention_days,
                inbox_days=settings.inbox_retention_days,
                takeover_days=settings.takeover_retention_days,
                booking_phone_days=settings.booking_phone_retention_days,
                login_forget_hours=settings.staff_login_forget_hours,
                login_device_days=settings.staff_login_device_days,
            ),
            settings.retention_interval_seconds,
        )
    # Personal data past its time is deleted at start-up and then every interval (store.retention).
    retention_task = asyncio.create_task(retention.run_forever()) if retention else None
    runner = getattr(app.state, "training_runner", None)
    if runner is None:
        runner = TrainingRunner(
            app.state.db_engine,
            settings.model_bank_dir,
            evaluate=evaluator(app.state.db_engine, settings.model_bank_dir, settings.regression_margin_points),
            validate=rasa_data_validate,
        )
    task = asyncio.create_task(runner.run_forever()) if runner else None
    expiry = getattr(app.state, "expiry_job", None)
    if expiry is None:
        expiry = app.state.expiry_job = CaseExpiryJob(
            CaseStore(engine=app.state.db_engine), app.state.catalogue, lambda: conversation_control_of(app)
        )
    expiry_task = None
    # PostgreSQL's NOTIFY wakes the live feeds (kiosk_ui.live_changes); on SQLite there is none and they poll.
    listener = app.state.change_listener
    if listener is not None:
        listener.start()
    try:
        async with httpx.AsyncClient(timeout=settings.rasa_timeout_seconds) as client:
            app.state.rasa_client = client
            # Cases still open at the point's closing time expire (kiosk_ui.expiry); it may resume the
            # assistant through Rasa, so it starts once the client is there.
            expiry_task = asyncio.create_task(expiry.run_forever()) if expiry else None
            yield
    finally:
        for background in (task, retention_task, expiry_task):
            if background is not None:
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
        if listener is not None:
            await listener.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; bad settings, texts or catalogue stop it here, before it serves anyone."""
    app = FastAPI(title=TITLE, version=VERSION, lifespan=lifespan)
    app.state.settings = settings or Settings()
    hide_query_tokens()
    app.state.texts = load_texts()
    # The schema is created (and checked) once, here; the routers only use the engine.
    app.state.db_engine = open_database(app.state.settings.app_database_url)
    app.state.templates = make_templates()
    # The catalogue is the editors' published one, looked for anew at most every CATALOGUE_CHECK_SECONDS
    # (kiosk_ui.deps.current_catalogue); the repository's own must load, or the app does not start.
    app.state.catalogue_workspace = CatalogueWorkspace(app.state.db_engine)
    app.state.catalogue_live = LiveCatalogue(app.state.catalogue_workspace)
    app.state.catalogue_rebuild = functools.partial(build_from_catalogue, app)
    build_from_catalogue(app, app.state.catalogue_live.get())
    app.state.change_listener = ChangeListener.for_url(app.state.settings.app_database_url)
    app.state.rate_limiter = RateLimiter(app.state.settings.rate_limit_storage_url.get_secret_value())
    # A JSON body with a lone surrogate is refused before any route (it is not text that can be stored);
    # inside CORS, so that the widget on another site can read the refusal.
    app.add_middleware(RejectLoneSurrogates)
    # The widget runs on the municipality's own pages, so its calls to /api are cross-origin.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=app.state.settings.allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        max_age=600,
    )

    # A Host header not in ALLOWED_HOSTS is refused with 400 (no answers for a rebound or forged name).
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=app.state.settings.allowed_hosts)
    # Outermost, so that every answer, a refused host included, carries the security headers.
    app.add_middleware(SecurityHeaders)
    add_error_handlers(app)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app


def build_from_catalogue(app: FastAPI, cat: Catalogue) -> None:
    """What the app builds from the catalogue: at start-up, and again when a publish changes it."""
    booking_config = BookingConfig.from_catalogue(cat)
    booking_client = LocalBookingClient(app.state.db_engine, booking_config, cat.point)
    script = widget.build_widget_script(cat, app.state.texts, booking_config, app.state.templates)
    # Built first and swapped in together, so that no request sees the new catalogue with the old config.
    app.state.booking_config, app.state.booking_client, app.state.widget_script = booking_config, booking_client, script
    app.state.catalogue = cat
    expiry = getattr(app.state, "expiry_job", None)
    if isinstance(expiry, CaseExpiryJob):
        expiry.cat = cat  # the point's hours as published


def full_openapi() -> dict[str, Any]:
    """The OpenAPI of every route, also those /openapi.json leaves out (staff pages, the model server): what
    the schema tests (tests/kiosk_ui/test_schema.py) send generated requests to."""
    routes = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                shown = copy.copy(route)  # the router's own route stays out of the public schema
                shown.include_in_schema = True
                routes.append(shown)
    return get_openapi(title=TITLE, version=VERSION, routes=routes)
