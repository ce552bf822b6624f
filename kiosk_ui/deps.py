"""FastAPI dependencies: every router gets settings, templates and the catalogue from here."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from booking.client import BookingClient
from booking.config import BookingConfig
from service_catalogue.loader import Catalogue
from kiosk_ui.settings import Settings

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
