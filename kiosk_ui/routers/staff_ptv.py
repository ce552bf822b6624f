"""Import from Suomi.fi PTV (/staff/content/import): upload the open API's JSON, see the differences, accept drafts.

The uploaded file is read once; the review form carries the parsed PTV data back, signed with the session's
CSRF token, so nothing is kept on the server between the two steps and a changed payload is refused. The
comparison is made again against the catalogue as published when the choices are saved.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from kiosk_ui.deps import CatalogueWorkspaceDep, Editor, Templates, TextsDep, staff_lang, staff_page
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.forms import form_body, staff_form
from service_catalogue import ptv
from store.catalogue_workspace import CatalogueWorkspace, WorkspaceError

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])

PAGE = "/staff/content/import"
MAX_FILES = 5
# The multipart envelope around the files; a request beyond this is refused before it is parsed.
MAX_REQUEST_BYTES = ptv.MAX_FILE_BYTES + 256 * 1024
# The review form's signed payload: the parsed file compressed, far smaller than the file itself.
MAX_PAYLOAD = 2 * 1024 * 1024
DECISION = "decision."
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "csrf_token": {"type": "string", "maxLength": 100, "description": "the session's CSRF token"},
                        "file": {
                            "type": "array",
                            "maxItems": MAX_FILES,
                            "items": {"type": "string", "format": "binary"},
                            "description": "PTV open API v11 JSON files",
                        },
                    },
                    "required": ["csrf_token"],
                }
            }
        },
    }
}


def _texts(texts: Texts, lang: str) -> dict:
    """The page's own texts."""
    return {"p": texts(lang)["ptv"]}


def _mb() -> int:
    return ptv.MAX_FILE_BYTES // (1024 * 1024)


def sign(file: ptv.PtvFile, key: str) -> str:
    """The parsed file as a form field: compressed JSON and its HMAC under the session's CSRF token."""
    raw = zlib.compress(json.dumps(file.dump(), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    body = base64.urlsafe_b64encode(raw).decode("ascii")
    mac = hmac.new(key.encode("utf-8"), body.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(payload: str, key: str) -> ptv.PtvFile | None:
    """The file signed by `sign` with this key, or None when the payload was changed or is not one."""
    body, _, mac = payload.rpartition(".")
    expected = hmac.new(key.encode("utf-8"), body.encode("ascii", "replace"), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode("ascii")):
        return None
    try:
        # The payload is our own (the MAC matched), so its size is what `sign` made; still bounded.
        data = zlib.decompressobj().decompress(base64.urlsafe_b64decode(body), ptv.MAX_FILE_BYTES)
        return ptv.PtvFile.load(json.loads(data))
    except (binascii.Error, zlib.error, ValueError, TypeError, KeyError):
        return None


def _label(entry: dict, lang: str) -> str:
    name = entry.get("name")
    if isinstance(name, dict):
        return name.get(lang) or name.get("fi") or entry.get("id") or ""
    return str(entry.get("id") or "")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _lang_of(path: str) -> str | None:
    """The language of a text field (`name.sv` is Swedish), for the cell's lang attribute."""
    last = path.rsplit(".", 1)[-1]
    return last if last in LANGUAGES else None


def _rows(proposals: list[ptv.Proposal], lang: str) -> list[dict]:
    labels = {p.ref: _label(p.entry, lang) for p in proposals}
    return [
        {
            "ref": p.ref,
            "field": f"{DECISION}{p.kind}.{p.key}",
            "kind": p.kind,
            "key": p.key,
            "ptv_id": p.ptv_id,
            "status": p.status,
            "name": labels[p.ref],
            "languages": p.languages,
            "notes": p.notes,
            "needs": [labels.get(f"{kind}:{key}", key) for kind, key in p.needs],
            "changes": [
                {"field": c.field, "lang": _lang_of(c.field), "before": _shown(c.before), "after": _shown(c.after)}
                for c in p.changes
            ],
            "entry": [(path, _lang_of(path), _shown(value)) for path, value in ptv.flat(p.entry).items()]
            if p.status == "new"
            else [],
        }
        for p in proposals
    ]


def _words(texts: Texts) -> ptv.HoursWords:
    return ptv.HoursWords.from_texts(texts.section("ptv"))


def _compare(file: ptv.PtvFile, texts: Texts, workspace: CatalogueWorkspace) -> list[ptv.Proposal]:
    """The file against the catalogue as published now."""
    return ptv.compare(file, workspace.documents(), _words(texts), ptv.point_fields())


def _page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    *,
    status_code: int = 200,
    error: str | None = None,
    file: ptv.PtvFile | None = None,
    proposals: list[ptv.Proposal] | None = None,
    payload: str = "",
    saved: int | None = None,
    rejected: int | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    rows = _rows(proposals or [], lang)
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in ("new", "differs", "same")}
    return templates.TemplateResponse(
        request,
        "staff_ptv.html",
        {
            **_texts(texts, lang),
            "error": error,
            "mb": _mb(),
            "max_files": MAX_FILES,
            "rows": rows,
            "counts": counts,
            "shown": file is not None,
            "skipped": file.skipped if file else 0,
            "payload": payload,
            "saved": saved,
            "rejected": rejected,
            "languages": LANGUAGES,
        },
        status_code=status_code,
    )


@router.get("/content/import", response_class=HTMLResponse)
def import_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    saved: Annotated[int | None, Query(ge=0, le=10_000)] = None,
    rejected: Annotated[int | None, Query(ge=0, le=10_000)] = None,
) -> HTMLResponse:
    """The upload form (and, after saving choices, how many drafts were saved)."""
    return _page(request, templates, texts, saved=saved, rejected=rejected)


@router.post("/content/import", response_class=HTMLResponse, openapi_extra=UPLOAD_BODY)
async def upload(
    request: Request, info: Editor, templates: Templates, texts: TextsDep, workspace: CatalogueWorkspaceDep
) -> Response:
    """Read the uploaded PTV files and show what is new, what differs (field by field) and what is the same."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_REQUEST_BYTES:
        # Refused unread: the multipart parser would first spool the whole body to disk.
        return _page(request, templates, texts, status_code=413, error="too_big")
    await staff_form(request, info.csrf_token)
    form = await request.form()
    files = [f for f in form.getlist("file") if isinstance(f, UploadFile) and f.filename]
    if not files:
        return _page(request, templates, texts, status_code=400, error="no_file")
    if len(files) > MAX_FILES:
        return _page(request, templates, texts, status_code=400, error="too_many_files")
    try:
        documents, left = [], ptv.MAX_FILE_BYTES
        for upload_file in files:
            data = await upload_file.read(left + 1)
            if len(data) > left:
                raise ptv.PtvError("too_big")
            left -= len(data)
            documents.append(ptv.decode(data))
        file = ptv.parse(*documents)
    except ptv.PtvError as refused:
        status = 413 if refused.code == "too_big" else 400
        return _page(request, templates, texts, status_code=status, error=refused.code)
    proposals = _compare(file, texts, workspace)
    return _page(request, templates, texts, file=file, proposals=proposals, payload=sign(file, info.csrf_token))


@router.post(
    "/content/import/review",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        payload={"type": "string", "maxLength": MAX_PAYLOAD, "description": "the signed import (from the upload)"}
    ),
)
async def review(
    request: Request, info: Editor, templates: Templates, texts: TextsDep, workspace: CatalogueWorkspaceDep
) -> Response:
    """Save accepted entries as drafts with source "ptv" (and the new authorities they need); rejected: none."""
    fields = await staff_form(request, info.csrf_token)
    payload = fields.get("payload", "")
    file = unsign(payload, info.csrf_token or "") if len(payload) <= MAX_PAYLOAD else None
    if file is None:
        return _page(request, templates, texts, status_code=400, error="bad_review")
    proposals = _compare(file, texts, workspace)
    open_ = {p.ref: p for p in proposals if p.status != ptv.STATUS_SAME}
    chosen = {
        name[len(DECISION) :].replace(".", ":", 1): value for name, value in fields.items() if name.startswith(DECISION)
    }
    accepted = {ref for ref, value in chosen.items() if value == "accept" and ref in open_}
    for ref in list(accepted):
        accepted.update(f"{kind}:{key}" for kind, key in open_[ref].needs if f"{kind}:{key}" in open_)
    rejected = sum(1 for ref, value in chosen.items() if value == "reject" and ref in open_ and ref not in accepted)
    editor = info.account.username
    # Proposals come authorities first, so a service's new authority is drafted before the service.
    try:
        for proposal in proposals:
            if proposal.ref in accepted:
                workspace.save_draft(proposal.kind, proposal.key, proposal.entry, editor, source="ptv")
    except WorkspaceError:
        return _page(request, templates, texts, status_code=400, error="not_saved")
    query = urlencode({"lang": staff_lang(request), "saved": len(accepted), "rejected": rejected})
    return RedirectResponse(f"{PAGE}?{query}", status_code=303)
