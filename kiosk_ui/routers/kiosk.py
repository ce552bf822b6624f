"""The touchscreen kiosk in the service point's lobby."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from kiosk_ui.deps import BookingConfigDep, CatalogueDep, SettingsDep, Templates, TextsDep, customer_page
from kiosk_ui.texts import LANGUAGES
from kiosk_ui.tiles import tiles
from kiosk_ui.views.chat_client import client_config

router = APIRouter(tags=["kiosk"], dependencies=[Depends(customer_page)])


@router.get("/kiosk", response_class=HTMLResponse, summary="The kiosk's full-screen page")
def kiosk(
    request: Request,
    settings: SettingsDep,
    cat: CatalogueDep,
    texts: TextsDep,
    booking: BookingConfigDep,
    templates: Templates,
    point: Annotated[str | None, Query(description="the point's id; the catalogue's point by default")] = None,
    lang: Annotated[str, Query(pattern="^(fi|sv|en)$", description="the language the screen starts in")] = "fi",
    idle: Annotated[
        int | None, Query(ge=1, le=3600, description="test only: seconds before 'are you still there?'")
    ] = None,
    wipe: Annotated[
        int | None, Query(ge=1, le=600, description="test only: seconds from the question to the wipe")
    ] = None,
) -> HTMLResponse:
    """Start screen with life-situation tiles; the conversation itself lives only in the page's memory."""
    if point is not None and point != cat.point["id"]:
        raise HTTPException(status_code=404, detail="unknown point")
    # Short timeouts only where the operator allowed them: a URL must not weaken a real kiosk's privacy.
    allow = settings.kiosk_allow_test_timeouts
    kiosk_texts = {
        code: {"kiosk": texts(code)["kiosk"], "chat": texts(code)["chat"], "title": texts(code)["app"]["title"]}
        for code in LANGUAGES
    }
    config = {
        **client_config(cat, booking, kiosk_texts),
        "lang": lang,
        "idleSeconds": idle if allow and idle else settings.kiosk_idle_seconds,
        "wipeSeconds": wipe if allow and wipe else settings.kiosk_wipe_seconds,
        "tiles": {tile["code"]: tile["name"] for tile in tiles(cat)},
    }
    return templates.TemplateResponse(
        request,
        "kiosk.html",
        {
            "languages": LANGUAGES,
            "texts": texts,
            "point": cat.point,
            "tiles": tiles(cat),
            "config": config,
        },
    )
