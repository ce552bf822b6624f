"""The touchscreen kiosk in the service point's lobby."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from booking.config import BookingConfig
from kiosk_ui.deps import get_booking_config, get_catalogue, get_settings, get_templates, get_texts
from kiosk_ui.gateway import MAX_MESSAGE_CHARS
from kiosk_ui.routers.live import feedback_config
from kiosk_ui.settings import Settings
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.tiles import tiles
from privacy.redact import client_patterns
from service_catalogue.loader import Catalogue

router = APIRouter(tags=["kiosk"])


def booking_names(config: BookingConfig) -> dict:
    """Names of booking kinds, topics and rooms, and the date formats, for the booking slip."""
    texts = config.texts
    return {
        "kinds": {kind: entry["name"] for kind, entry in texts["kinds"].items()},
        "topics": {topic["id"]: topic["name"] for topic in texts["topics"]},
        "rooms": {room.id: room.name for room in config.rooms},
        "display": texts["display"],
    }


@router.get("/kiosk", response_class=HTMLResponse, summary="The kiosk's full-screen page")
def kiosk(
    request: Request,
    point: str | None = Query(None, description="the point's id; the catalogue's point by default"),
    lang: str = Query("fi", pattern="^(fi|sv|en)$", description="the language the screen starts in"),
    idle: int | None = Query(None, ge=1, le=3600, description="test only: seconds before 'are you still there?'"),
    wipe: int | None = Query(None, ge=1, le=600, description="test only: seconds from the question to the wipe"),
    settings: Settings = Depends(get_settings),
    cat: Catalogue = Depends(get_catalogue),
    texts: Texts = Depends(get_texts),
    booking: BookingConfig = Depends(get_booking_config),
    templates=Depends(get_templates),
) -> HTMLResponse:
    """Start screen with life-situation tiles; the conversation itself lives only in the page's memory."""
    if point is not None and point != cat.point["id"]:
        raise HTTPException(status_code=404, detail="unknown point")
    # Short timeouts only where the operator allowed them: a URL must not weaken a real kiosk's privacy.
    allow = settings.kiosk_allow_test_timeouts
    config = {
        "point": cat.point["id"],
        "lang": lang,
        "idleSeconds": idle if allow and idle else settings.kiosk_idle_seconds,
        "wipeSeconds": wipe if allow and wipe else settings.kiosk_wipe_seconds,
        "maxChars": MAX_MESSAGE_CHARS,
        "pointName": cat.point["name"],
        "texts": {
            code: {"kiosk": texts(code)["kiosk"], "chat": texts(code)["chat"], "title": texts(code)["app"]["title"]}
            for code in LANGUAGES
        },
        "tiles": {tile["code"]: tile["name"] for tile in tiles(cat)},
        "booking": booking_names(booking),
        "feedback": feedback_config(cat),
        "redact": client_patterns(),
    }
    return templates.TemplateResponse(
        request,
        "kiosk.html",
        {
            "lang": lang,
            "languages": LANGUAGES,
            "t": texts(lang),
            "texts": texts,
            "point": cat.point,
            "tiles": tiles(cat),
            "config": config,
        },
    )
