"""Which parts of the stack are up: Rasa, the action server, the database, the catalogue."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine

from kiosk_ui.deps import CatalogueDep, DbEngine, SettingsDep, Templates
from kiosk_ui.settings import Settings
from service_catalogue.loader import Catalogue

router = APIRouter(tags=["status"])


@dataclass
class Part:
    """One part of the stack and whether it answered."""

    name: str
    up: bool
    detail: str


async def _http_part(client: httpx.AsyncClient, name: str, url: str, version_key: str | None) -> Part:
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        return Part(name, False, type(exc).__name__)
    version = response.json().get(version_key) if version_key else None
    return Part(name, True, f"version {version}" if version else "ok")


def _database_part(engine: Engine) -> Part:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is not usable
        return Part("database", False, type(exc).__name__)
    return Part("database", True, engine.dialect.name)


async def collect(settings: Settings, catalogue: Catalogue, engine: Engine) -> list[Part]:
    """Ask every part at once, each with a short timeout."""
    async with httpx.AsyncClient(timeout=settings.status_timeout_seconds) as client:
        rasa, actions = await asyncio.gather(
            _http_part(client, "rasa", f"{str(settings.rasa_url).rstrip('/')}/version", "version"),
            _http_part(client, "action_server", f"{str(settings.action_server_url).rstrip('/')}/health", None),
        )
    database = await asyncio.to_thread(_database_part, engine)
    counts = (
        f"{len(catalogue.life_situations)} life situations, {len(catalogue.services)} services, "
        f"{len(catalogue.forms)} forms"
    )
    return [rasa, actions, database, Part("catalogue", True, counts)]


@router.get("/status.json")
async def status_json(
    settings: SettingsDep,
    catalogue: CatalogueDep,
    engine: DbEngine,
) -> dict:
    """Machine-readable status: every part with up/down and a short detail."""
    parts = await collect(settings, catalogue, engine)
    return {"ok": all(p.up for p in parts), "parts": [asdict(p) for p in parts]}


@router.get("/", response_class=HTMLResponse)
async def status_page(
    request: Request,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    engine: DbEngine,
    templates: Templates,
) -> HTMLResponse:
    """The status page for whoever runs the point."""
    parts = await collect(settings, catalogue, engine)
    return templates.TemplateResponse(request, "status.html", {"parts": parts, "point": catalogue.point})
