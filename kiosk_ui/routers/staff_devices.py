"""Registered kiosk devices (admin): register, show the secret once, revoke (issue 12)."""

from __future__ import annotations

from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from kiosk_ui.deps import Admin, CatalogueDep, Devices, RowId, Templates, TextsDep, staff_lang, staff_page
from kiosk_ui.gateway import clean_message
from kiosk_ui.texts import Texts
from kiosk_ui.views.forms import form_body, staff_form, text_field
from kiosk_ui.views.records import local_label
from service_catalogue.loader import Catalogue
from store.devices import MAX_NAME_CHARS, DeviceStore, enrolment_path

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])


def enrol_qr(url: str) -> Markup:
    """The enrolment link as an inline SVG QR code (segno, as the print sheets; the SVG holds no text)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True))


def _devices_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    cat: Catalogue,
    devices: DeviceStore,
    *,
    status_code: int = 200,
    error: str | None = None,
    name: str = "",
    enrol: dict | None = None,
    confirm: dict | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    rows = [
        dict(
            device,
            point_name=cat.point["name"][lang] if device["point_id"] == cat.point["id"] else device["point_id"],
            created=local_label(device["created_at"]),
            last_seen=local_label(device["last_seen_at"]),
            revoked=local_label(device["revoked_at"]),
        )
        for device in devices.list()
    ]
    return templates.TemplateResponse(
        request,
        "staff_devices.html",
        {
            "d": texts(lang)["devices"],
            "devices": rows,
            "point": {"id": cat.point["id"], "name": cat.point["name"][lang]},
            "max_name": MAX_NAME_CHARS,
            "error": error,
            "name": name,
            "enrol": enrol,
            "confirm": confirm,
            "notice": notice,
        },
        status_code=status_code,
    )


@router.get("/devices", response_class=HTMLResponse)
def devices_page(
    request: Request, info: Admin, templates: Templates, texts: TextsDep, cat: CatalogueDep, devices: Devices
) -> HTMLResponse:
    """The registered kiosks and the form to register one."""
    revoked = request.query_params.get("revoked", "")
    device = devices.get(int(revoked)) if revoked.isdigit() and len(revoked) < 10 else None
    notice = device["name"] if device and device["revoked_at"] else None
    return _devices_page(request, templates, texts, cat, devices, notice=notice)


@router.post(
    "/devices",
    response_class=HTMLResponse,
    openapi_extra=form_body(name=text_field(MAX_NAME_CHARS, "the kiosk's name")),
)
async def register_device(
    request: Request, info: Admin, templates: Templates, texts: TextsDep, cat: CatalogueDep, devices: Devices
) -> HTMLResponse:
    """Register a kiosk at the catalogue's point and show its enrolment link once (never stored, never again)."""
    form = await staff_form(request, info.csrf_token)
    raw = form.get("name", "")
    name = clean_message(raw[: MAX_NAME_CHARS * 4])
    if not name or len(name) > MAX_NAME_CHARS:
        return _devices_page(
            request, templates, texts, cat, devices, status_code=400, error="bad_name", name=raw[:MAX_NAME_CHARS]
        )
    device, secret = devices.register(cat.point["id"], name, info.account.username)
    url = str(request.base_url).rstrip("/") + enrolment_path(secret)
    return _devices_page(
        request, templates, texts, cat, devices, enrol={"device": device, "url": url, "qr": enrol_qr(url)}
    )


@router.get("/devices/{device_id}/revoke", response_class=HTMLResponse)
def confirm_revoke(
    request: Request,
    device_id: RowId,
    info: Admin,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    devices: Devices,
) -> HTMLResponse:
    """Ask before revoking: the kiosk stops being one at once."""
    device = devices.get(device_id)
    if device is None:
        raise HTTPException(status_code=404, detail="no such device")
    return _devices_page(request, templates, texts, cat, devices, confirm=device)


@router.post("/devices/{device_id}/revoke", openapi_extra=form_body())
async def revoke_device(request: Request, device_id: RowId, info: Admin, devices: Devices) -> Response:
    """Revoke the device; its browser is a web client from the next request on."""
    await staff_form(request, info.csrf_token)
    if devices.revoke(device_id, info.account.username) is None:
        raise HTTPException(status_code=404, detail="no such device")
    lang = quote(staff_lang(request))
    return Response(status_code=303, headers={"Location": f"/staff/devices?lang={lang}&revoked={device_id}"})
