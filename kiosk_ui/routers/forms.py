"""The official form PDFs the point holds, for anyone: the kiosk's print path and the form cards (issue 15)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from kiosk_ui.deps import CatalogueDep, FormPdfsDep

router = APIRouter(prefix="/forms", tags=["forms"])
# A form code as customers and the kiosk write it ("AT 1", "at1r", "5010"); the catalogue decides which exist.
FormCode = Annotated[str, PathParam(max_length=32, description="a form code or one of its language variants")]
Language = Annotated[str, PathParam(pattern="^(fi|sv|en)$", description="the form's language variant")]
# A PDF may change under its address (a new upload, a revert): browsers and proxies keep it briefly and then
# ask again; its ETag is the file's SHA-256, so the answer to an unchanged file is a bodiless 304.
PDF_CACHE = "public, max-age=300, must-revalidate"
# The list of PDFs changes with an upload; a kiosk asks again every few minutes anyway (chat-core.js).
LIST_CACHE = "public, max-age=60"
# A PDF is no page of ours: it may be framed by this app only (the kiosk's print path), and nothing more is
# said, because the app's page policy (object-src 'none') on the PDF itself keeps Chromium's viewer from
# drawing it.
PDF_CSP = "frame-ancestors 'self'"


@router.get("/pdfs.json", summary="Which forms have an official PDF at the point")
async def available(pdfs: FormPdfsDep, response: Response) -> dict[str, dict[str, list[str]]]:
    """`{"forms": {"AT 1": ["fi", "sv"], ...}}`: the catalogue's form codes and the languages that have a PDF."""
    found = await run_in_threadpool(pdfs.available)
    response.headers["Cache-Control"] = LIST_CACHE
    return {"forms": found}


@router.get(
    "/{code}/{lang}.pdf",
    response_class=FileResponse,
    summary="The form's official PDF in one language",
    responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "no PDF of this form variant"}},
)
async def form_pdf(
    code: FormCode,
    lang: Language,
    cat: CatalogueDep,
    pdfs: FormPdfsDep,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """The current PDF of the variant, shown in the browser (inline) so the kiosk can print it; 404 when none."""
    form = cat.form(code)
    row = await run_in_threadpool(pdfs.current, form["code"], lang) if form else None
    if form is None or row is None:
        raise HTTPException(status_code=404, detail="no PDF of this form")
    headers = {"Cache-Control": PDF_CACHE, "Content-Security-Policy": PDF_CSP, "ETag": f'"{row.sha256}"'}
    if if_none_match and headers["ETag"] in (tag.strip().removeprefix("W/") for tag in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    # The file's name is the variant's code as the authority writes it ("AT 1e.pdf"), letters and digits only.
    variant = form["variants"].get(lang, form["code"])
    name = re.sub(r"[^A-Za-z0-9]+", "-", variant).strip("-") or "form"
    return FileResponse(
        pdfs.path(row),
        media_type="application/pdf",
        filename=f"{name}.pdf",
        content_disposition_type="inline",
        headers=headers,
    )
