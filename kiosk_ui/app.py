"""The FastAPI application factory."""
from __future__ import annotations

from fastapi import FastAPI

from booking.client import LocalBookingClient
from booking.config import BookingConfig
from service_catalogue.loader import load_catalogue
from store.cases import make_engine
from kiosk_ui.deps import make_templates
from kiosk_ui.routers import bookings, status
from kiosk_ui.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; bad settings or a bad catalogue stop it here, before it serves anyone."""
    app = FastAPI(title="Asiointipisteen avustaja / Samservicepunktens assistent / Service point assistant")
    app.state.settings = settings or Settings()
    app.state.catalogue = load_catalogue()
    app.state.db_engine = make_engine(app.state.settings.app_database_url)
    app.state.templates = make_templates()
    app.state.booking_config = BookingConfig.from_catalogue(app.state.catalogue)
    app.state.booking_client = LocalBookingClient(app.state.db_engine, app.state.booking_config,
                                                  app.state.catalogue.point)
    app.include_router(status.router)
    app.include_router(bookings.router)
    return app
