"""The touchscreen kiosk in the service point's lobby."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kiosk_ui.deps import (
    DEVICE_COOKIE,
    BookingConfigDep,
    CatalogueDep,
    Devices,
    SettingsDep,
    Templates,
    TextsDep,
    check_origin,
    customer_page,
)
from kiosk_ui.texts import LANGUAGES
from kiosk_ui.tiles import tiles
from kiosk_ui.views.chat_client import client_config

router = APIRouter(tags=["kiosk"], dependencies=[Depends(customer_page)])
# A device secret is token_urlsafe(32), 43 characters; the query name `token` is hidden in the access log.
Secret = Annotated[str, Query(min_length=1, max_length=128, description="the device's secret from the admin's page")]


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


def _enrol_page(request: Request, templates, cat, device: dict | None, token: str = "") -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "kiosk_enrol.html",
        {"point": cat.point, "device": device, "token": token, "invalid": device is None},
        status_code=200 if device else 404,
    )


@router.get("/kiosk/enrol", response_class=HTMLResponse, summary="Confirm making this browser a registered kiosk")
def enrol_page(
    request: Request,
    templates: Templates,
    cat: CatalogueDep,
    devices: Devices,
    token: Secret,
    lang: Annotated[str, Query(pattern="^(fi|sv|en)$")] = "fi",
) -> HTMLResponse:
    """The page the admin's enrolment link opens on the kiosk: it names the device and asks to confirm.

    Nothing is stored until the confirmation is posted, so a link preview or a prefetch enrols nobody.
    """
    return _enrol_page(request, templates, cat, devices.identify(token), token)


@router.post(
    "/kiosk/enrol",
    response_class=HTMLResponse,
    dependencies=[Depends(check_origin)],
    responses={303: {"description": "enrolled: on to the kiosk"}, 404: {"description": "unknown or revoked device"}},
    summary="Make this browser a registered kiosk (stores the device cookie)",
)
def enrol(
    request: Request,
    settings: SettingsDep,
    templates: Templates,
    cat: CatalogueDep,
    devices: Devices,
    token: Annotated[str, Form(min_length=1, max_length=128)],
    lang: Annotated[str, Query(pattern="^(fi|sv|en)$")] = "fi",
):
    """Store the device's secret in an HttpOnly, SameSite=Strict cookie, then open the kiosk."""
    device = devices.identify(token)
    if device is None:
        return _enrol_page(request, templates, cat, None)
    response = RedirectResponse(f"/kiosk?lang={lang}", status_code=303)
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=settings.kiosk_device_cookie_days * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=settings.staff_cookie_secure,
        path="/",
    )
    return response
