"""FastAPI dependencies: every router gets settings, templates, texts, the catalogue and clients from here."""
from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from booking.client import BookingClient
from booking.config import BookingConfig
from service_catalogue.loader import Catalogue
from store.cases import CaseStore
from kiosk_ui.ratelimit import RateLimiter
from kiosk_ui.settings import Settings
from kiosk_ui.texts import Texts

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


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's rate limiter."""
    return request.app.state.rate_limiter


def get_case_store(request: Request) -> CaseStore:
    """Handoff cases over the app's database engine."""
    return CaseStore(engine=request.app.state.db_engine)


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
