"""Print sheets: a form (name, code, where to return it, a QR code to it, then its PDF) and a booked appointment."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from booking.views import date_label, time_label
from kiosk_ui.deps import BookingClientDep, BookingConfigDep, CatalogueDep, FormPdfsDep, Templates, customer_page
from kiosk_ui.views.printing import printed_at
from service_catalogue.views import form_link

router = APIRouter(prefix="/print", tags=["print"], dependencies=[Depends(customer_page)])
Language = Annotated[str, Query(pattern="^(fi|sv|en)$", description="language of the sheet")]


def qr_svg(url: str) -> Markup:
    """The URL as an inline SVG QR code.

    segno is a small, maintained pure-Python QR encoder (no Pillow, SVG out of the box); a QR
    encoder is not something to write by hand.
    """
    code = segno.make(url, error="m")
    # segno writes only its own path data and sizes into the SVG, never the encoded text.
    return Markup(code.svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=True))


@router.get("/form/{code}", response_class=HTMLResponse, summary="Print sheet of a form")
async def form_sheet(
    request: Request,
    code: Annotated[str, PathParam(max_length=32)],
    cat: CatalogueDep,
    config: BookingConfigDep,
    pdfs: FormPdfsDep,
    templates: Templates,
    lang: Language = "fi",
):
    """The form's official name and code in the language, where to return it, a QR code to it on the web, and
    then either its PDF (printed next, when the point holds one) or where the paper form is: the advisor."""
    form = cat.form(code)
    if form is None:
        raise HTTPException(status_code=404, detail="no such form")
    variant = form["variants"].get(lang) or form["code"]
    url, _ = form_link(form, lang, cat.authorities[form["authority"]])
    pdf = await run_in_threadpool(pdfs.current, form["code"], lang)
    return templates.TemplateResponse(
        request,
        "print_form.html",
        {
            "point": cat.point,
            "form": form,
            "variant": variant,
            "name": form["name"][lang],
            "url": url,
            "returned_to": form["returned_to"][lang],
            "receives": cat.received_here(form),
            "authority": cat.authorities[form["authority"]]["name"][lang],
            "qr": qr_svg(url),
            "printed": printed_at(config, lang),
            "pdf_url": f"/forms/{quote(form['code'], safe='')}/{lang}.pdf" if pdf else None,
        },
    )


@router.get("/booking/{reference}", response_class=HTMLResponse, summary="Print sheet of a booked appointment")
def booking_sheet(
    request: Request,
    reference: str,
    client: BookingClientDep,
    config: BookingConfigDep,
    cat: CatalogueDep,
    templates: Templates,
    lang: Language = "fi",
):
    """Time, kind, topic and reference (and the room of a remote appointment); never the phone number."""
    booking = client.find(reference)
    if booking is None or booking.status != "booked":
        raise HTTPException(status_code=404, detail="no such booking")
    return templates.TemplateResponse(
        request,
        "print_booking.html",
        {
            "point": cat.point,
            "booking": booking,
            "kind": config.kind_name(booking.kind, lang),
            "topic": config.topic_name(booking.topic, lang),
            "room": config.room_name(booking.room, lang) if booking.room and config.room(booking.room) else None,
            "date": date_label(booking.start, lang, config),
            "time": time_label(booking.start, lang, config),
            "minutes": int((booking.end - booking.start).total_seconds() // 60),
            "printed": printed_at(config, lang),
        },
    )
