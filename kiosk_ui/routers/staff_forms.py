"""The official form PDFs at /staff/forms (editors and admins): every form variant, its PDF, upload, history, revert."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from kiosk_ui.deps import CatalogueDep, Editor, FormPdfsDep, RowId, Templates, TextsDep, staff_lang, staff_page
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.forms import form_body, staff_form
from kiosk_ui.views.records import local_label
from service_catalogue.loader import Catalogue
from store.form_pdfs import ERRORS, MAX_FILENAME, FormPdfError, FormPdfs

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
# The multipart envelope around the file (boundaries, the CSRF token, code and language) is far below this.
ENVELOPE_BYTES = 64 * 1024
DONE = ("uploaded", "reverted")
UPLOAD_FIELDS: dict[str, dict[str, Any]] = {
    "code": {"type": "string", "maxLength": 32, "description": "the catalogue's form code"},
    "form_lang": {"type": "string", "enum": list(LANGUAGES)},
    "file": {"type": "string", "format": "binary", "description": "the form's official PDF"},
}


def multipart_body(**fields: dict[str, Any]) -> dict[str, Any]:
    """form_body's request body as multipart/form-data, the encoding of a form that sends a file."""
    body = form_body(**fields)
    content = body["requestBody"]["content"]
    content["multipart/form-data"] = content.pop("application/x-www-form-urlencoded")
    return body


def _redirect(request: Request, done: str, code: str) -> RedirectResponse:
    """303 back to the page, at the form that changed, saying what was done."""
    anchor = "form-" + "".join(ch if ch.isalnum() else "-" for ch in code)
    return RedirectResponse(f"/staff/forms?lang={staff_lang(request)}&done={done}#{anchor}", status_code=303)


def _size_label(size: int) -> str:
    """Bytes as staff read them: '245 kB', '1.2 MB'."""
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))} kB"
    return f"{size / 1000 / 1000:.1f} MB"


def _file(row) -> dict:
    return {
        "id": row.id,
        "size": _size_label(row.size),
        "by": row.uploaded_by,
        "when": local_label(row.uploaded_at),
        "checksum": row.sha256[:12],
        "sha256": row.sha256,
        "filename": row.filename,
        "withdrawn": row.withdrawn,
    }


def _forms(cat: Catalogue, pdfs: FormPdfs, lang: str) -> list[dict]:
    """Every catalogue form with its variants, the current PDF of each and the form's upload history."""
    forms = []
    for form in sorted(cat.forms.values(), key=lambda f: (cat.authorities[f["authority"]]["name"][lang], f["code"])):
        history = pdfs.history(form["code"])
        variants = []
        for variant_lang in LANGUAGES:
            if variant_lang not in form["variants"]:
                continue
            current = pdfs.current(form["code"], variant_lang)
            variants.append(
                {
                    "lang": variant_lang,
                    "code": form["variants"][variant_lang],
                    "current": _file(current) if current else None,
                }
            )
        forms.append(
            {
                "code": form["code"],
                "anchor": "form-" + "".join(ch if ch.isalnum() else "-" for ch in form["code"]),
                "name": form["name"][lang],
                "authority": cat.authorities[form["authority"]]["name"][lang],
                "variants": variants,
                "history": [dict(_file(row), lang=row.lang) for row in history],
            }
        )
    return forms


def _page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    cat: Catalogue,
    pdfs: FormPdfs,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_form: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    return templates.TemplateResponse(
        request,
        "staff_forms.html",
        {
            "f": texts(lang)["forms"],
            "forms": _forms(cat, pdfs, lang),
            "max_size": _size_label(pdfs.max_bytes),
            "error": error if error in ERRORS else None,
            "error_form": error_form,
            "done": done if done in DONE else None,
        },
        status_code=status_code,
    )


@router.get("/forms", response_class=HTMLResponse)
def forms_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    pdfs: FormPdfsDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Every form of the catalogue with its language variants and their PDFs."""
    return _page(request, templates, texts, cat, pdfs, done=done)


@router.post(
    "/forms/upload",
    response_class=HTMLResponse,
    openapi_extra=multipart_body(**UPLOAD_FIELDS),
)
async def upload_pdf(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    pdfs: FormPdfsDep,
) -> Response:
    """Upload a form variant's PDF; refused unread when the request is larger than the limit allows."""

    def refused(status_code: int, error: str, code: str | None = None) -> HTMLResponse:
        return _page(request, templates, texts, cat, pdfs, status_code=status_code, error=error, error_form=code)

    # A browser always sends the body's length with a form; a larger body than a PDF of the limit and its
    # envelope is refused before a byte of it is read (uvicorn keeps the body to the length it declared).
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        return refused(411, "no_length")
    if int(length) > pdfs.max_bytes + ENVELOPE_BYTES:
        return refused(413, "too_big")
    # One file and a few fields; Starlette keeps the parsed form, so staff_form reads the same one.
    parsed = await request.form(max_files=1, max_fields=8)
    form = await staff_form(request, info.csrf_token)  # 403 without the session's CSRF token
    code, form_lang = form.get("code", "")[:32], form.get("form_lang", "")[:2]
    upload = parsed.get("file")
    if not isinstance(upload, UploadFile):
        return refused(400, "empty", code)
    data = await upload.read(pdfs.max_bytes + 1)
    try:
        await run_in_threadpool(
            pdfs.upload, code, form_lang, data, (upload.filename or "")[:MAX_FILENAME], info.account.username
        )
    except FormPdfError as error:
        return refused(413 if error.code == "too_big" else 400, error.code, code)
    return _redirect(request, "uploaded", code)


@router.post(
    "/forms/{file_id}/revert",
    response_class=HTMLResponse,
    openapi_extra=form_body(),
)
async def revert_pdf(
    request: Request,
    file_id: RowId,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    pdfs: FormPdfsDep,
) -> Response:
    """Withdraw a variant's current PDF: the one uploaded before it is served again (or none)."""
    await staff_form(request, info.csrf_token)
    try:
        row = await run_in_threadpool(pdfs.revert, file_id, info.account.username)
    except FormPdfError as refused:
        return _page(request, templates, texts, cat, pdfs, status_code=400, error=refused.code)
    return _redirect(request, "reverted", row.form_code)
