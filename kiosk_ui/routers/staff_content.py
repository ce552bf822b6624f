"""The catalogue's content editor (/staff/content): browse, edit as drafts, preview, publish, history and export.

Editors and admins change life situations, services, forms, authorities and the point through
store.catalogue_workspace; every change is a draft until published, and only a catalogue the loader
accepts is published. `verified` is an admin's to set.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kiosk_ui.deps import CatalogueWorkspaceDep, Editor, RowId, Templates, TextsDep, staff_lang, staff_page
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views import content
from kiosk_ui.views.forms import form_body, staff_form, text_field
from kiosk_ui.views.records import local_label
from service_catalogue.loader import KINDS, CatalogueError, load_documents
from store.accounts import SessionInfo
from store.catalogue_workspace import CatalogueWorkspace, WorkspaceError
from store.rows import HELSINKI

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])

# Checked by the handlers (after the CSRF check of a form): an unknown kind is a 404 like an unknown key.
KindParam = Annotated[str, PathParam(min_length=1, max_length=20)]
KeyParam = Annotated[str, PathParam(min_length=1, max_length=content.MAX_KEY)]
TabQuery = Annotated[str, Query(pattern="^(life_situation|service|form|authority|point)$")]
DONE = ("saved", "published", "discarded", "reverted", "deleted", "resolved")
REVERT_ERRORS = ("unknown", "already_reverted", "exists", "gone")
SURFACES = ("kiosk", "widget")
# The operations of the entry form's buttons besides saving: add a list item, remove or move one up.
OPERATION = {"type": "string", "maxLength": 300, "description": "save, delete, add:<list>, remove:<item>, up:<item>"}


def _texts(texts: Texts, lang: str) -> dict:
    return {"c": texts(lang)["content"]}


def _is_admin(info: SessionInfo) -> bool:
    return info.account.role == "admin"


def _redirect(request: Request, path: str, **params: str) -> RedirectResponse:
    query = urlencode({"lang": staff_lang(request), **{k: v for k, v in params.items() if v}})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def _draft_view(draft: Any, lang: str) -> dict:
    """A change as the tables show it: when, the entry's name, and which of its fields it changed."""
    entry = draft.after or draft.before or {}
    before, after = draft.before or {}, draft.after or {}
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)) if before and after else []
    return dict(
        vars(draft),
        when=local_label(draft.at),
        name=content.entry_name(draft.kind, entry, lang),
        changed=", ".join(changed),
    )


def _problem_text(words: dict, problem: Any) -> str:
    """One problem in plain words: the text of its code (a schema problem: of its rule), filled with its values;
    the loader's own message when there is no such text or it names a value the problem lacks."""
    code = getattr(problem, "code", "")
    params = dict(getattr(problem, "params", None) or {})
    if code == "schema" and f"schema_{params.get('validator')}" in words:
        code = f"schema_{params['validator']}"
    text = words.get(code)
    if not isinstance(text, str):
        return str(problem.message)
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return str(problem.message)


def _problem_texts(c: dict, problems: list) -> list[dict]:
    """Problems as the pages list them: plain words, and where they are."""
    return [
        {
            "field": getattr(p, "field", None),
            "entry": getattr(p, "entry", None),
            "file": getattr(p, "file", None),
            "text": _problem_text(c["problems"], p),
            "message": p.message,
        }
        for p in problems
    ]


def _live_error(request: Request) -> list:
    live = getattr(request.app.state, "catalogue_live", None)
    return list(getattr(live, "error", None) or [])


def _browse_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    workspace: CatalogueWorkspace,
    info: SessionInfo,
    tab: str,
    *,
    status_code: int = 200,
    new_error: str | None = None,
    new_values: dict | None = None,
    problems: list | None = None,
    done: str | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    c = _texts(texts, lang)["c"]
    editor = info.account.username
    drafts = workspace.drafts(editor)
    changed = {(d.kind, d.key) for d in drafts}
    entries = [
        {
            "key": content.entry_key(tab, entry),
            "name": content.entry_name(tab, entry, lang),
            "draft": (tab, content.entry_key(tab, entry)) in changed,
            "verified": entry.get("verified"),
        }
        for entry in workspace.entries(tab, editor)
    ]
    check = problems if problems is not None else (workspace.check(editor) if drafts else [])
    return templates.TemplateResponse(
        request,
        "staff_content.html",
        {
            "c": c,
            "tab": tab,
            "kinds": KINDS,
            "new_kinds": content.NEW_KINDS,
            "entries": entries,
            "drafts": [_draft_view(d, lang) for d in drafts],
            "problems": _problem_texts(c, check),
            "new_error": new_error,
            "new_values": new_values or {"kind": tab if tab in content.NEW_KINDS else "service"},
            "done": done if done in DONE else None,
            "live_error": _problem_texts(c, _live_error(request)),
            "conflicts": len(workspace.conflicts()),
            "max_key": content.MAX_KEY,
        },
        status_code=status_code,
    )


@router.get("/content", response_class=HTMLResponse)
def content_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
    tab: TabQuery = "service",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """The catalogue's entries of one kind by name, the editor's drafts, and the form for a new entry."""
    return _browse_page(request, templates, texts, workspace, info, tab, done=done)


@router.post(
    "/content/new",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        kind={"type": "string", "enum": list(content.NEW_KINDS)},
        key=text_field(content.MAX_KEY, "the new entry's id or code"),
    ),
)
async def new_entry(
    request: Request, info: Editor, templates: Templates, texts: TextsDep, workspace: CatalogueWorkspaceDep
) -> Response:
    """Start a new entry: its id or code must fit the schema and be free; the form opens with the required fields."""
    form = await staff_form(request, info.csrf_token)
    kind = form.get("kind", "")
    key = form.get("key", "")[: content.MAX_KEY + 1].strip()
    error = None
    if kind not in content.NEW_KINDS:
        kind, error = "service", "bad_kind"
    elif not content.valid_key(kind, key):
        error = "bad_key"
    elif workspace.entry(kind, key, info.account.username) is not None:
        error = "duplicate_key"
    if error:
        return _browse_page(
            request,
            templates,
            texts,
            workspace,
            info,
            kind,
            status_code=400,
            new_error=error,
            new_values={"kind": kind, "key": key},
        )
    return _redirect(request, f"/staff/content/entries/{kind}/{quote(key)}", new="1")


def _entry_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    workspace: CatalogueWorkspace,
    info: SessionInfo,
    kind: str,
    key: str,
    entry: dict,
    *,
    is_new: bool,
    unsaved: bool = False,
    status_code: int = 200,
    done: str | None = None,
    error: str | None = None,
    publish_problems: list | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    c = _texts(texts, lang)["c"]
    editor = info.account.username
    drafts = workspace.drafts(editor)
    draft = next((d for d in drafts if d.kind == kind and d.key == key), None)
    problems = publish_problems if publish_problems is not None else (workspace.check(editor) if drafts else [])
    # This draft alone may be publishable while another draft of the editor's is not.
    blocked = bool(problems) and draft is not None and bool(workspace.check(editor, [draft.id]))
    drawn = content.fields(kind, entry)
    mine, others = content.problems_by_field(problems, kind, key)
    # A problem of this entry whose field the form does not draw is shown with the entry's other problems.
    paths = content.all_paths(drawn)
    placed: dict[str, list] = {}
    unplaced = []
    for field, found in mine.items():
        where = content.place(field, paths)
        if where is None:
            unplaced.extend(found)
        else:
            placed.setdefault(where, []).extend(found)
    mine = placed
    return templates.TemplateResponse(
        request,
        "staff_content_entry.html",
        {
            "c": c,
            "kind": kind,
            "key": key,
            "key_field": content.key_field(kind),
            "name": content.entry_name(kind, entry, lang),
            "fields": drawn,
            "field_problems": {field: _problem_texts(c, found) for field, found in mine.items()},
            "entry_problems": _problem_texts(c, unplaced),
            "other_problems": _problem_texts(c, others),
            "problem_count": len(problems),
            "blocked": blocked,
            "admin": _is_admin(info),
            "languages": LANGUAGES,
            "draft": _draft_view(draft, lang) if draft else None,
            "drafts": len(drafts),
            "is_new": is_new,
            "unsaved": unsaved,
            "done": done if done in DONE else None,
            "error": error,
            "previewable": content.previewable(kind),
            "published": workspace.entry(kind, key) is not None,
            "max_value": content.MAX_VALUE,
            "history": [_draft_view(d, lang) for d in workspace.history(kind, key, limit=10)],
        },
        status_code=status_code,
    )


def _known(kind: str, key: str) -> None:
    if kind not in KINDS or not content.valid_key(kind, key):
        raise HTTPException(status_code=404, detail="no such entry")


@router.get("/content/entries/{kind}/{key}", response_class=HTMLResponse)
def entry_page(
    request: Request,
    kind: KindParam,
    key: KeyParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
    new: Annotated[str, Query(max_length=1)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """One entry as a form (with the editor's draft), its problems next to their fields, and the draft's buttons."""
    _known(kind, key)
    entry = workspace.entry(kind, key, info.account.username)
    is_new = entry is None
    if entry is None:
        if new != "1" or kind not in content.NEW_KINDS:
            raise HTTPException(status_code=404, detail="no such entry")
        entry = content.new_entry(kind, key)
    return _entry_page(request, templates, texts, workspace, info, kind, key, entry, is_new=is_new, done=done)


@router.post(
    "/content/entries/{kind}/{key}",
    response_class=HTMLResponse,
    openapi_extra=form_body(op=OPERATION),
)
async def save_entry(
    request: Request,
    kind: KindParam,
    key: KeyParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
) -> Response:
    """Save the form as the editor's draft; add, remove and move list items without saving; delete the entry."""
    form = await staff_form(request, info.csrf_token)
    _known(kind, key)
    editor = info.account.username
    old = workspace.entry(kind, key, editor)
    is_new = old is None
    if old is None:
        if kind not in content.NEW_KINDS:
            raise HTTPException(status_code=404, detail="no such entry")
        old = content.new_entry(kind, key)
    operation = form.get("op", "save")[:300]
    if operation == "delete":
        if is_new:
            raise HTTPException(status_code=404, detail="no such entry")
        await run_in_threadpool(workspace.save_draft, kind, key, None, editor)
        return _redirect(request, "/staff/content", tab=kind, done="deleted")
    entry = content.parse(kind, form, old, admin=_is_admin(info))
    if operation != "save":
        changed = content.apply_operation(kind, entry, operation)
        return _entry_page(request, templates, texts, workspace, info, kind, key, changed, is_new=is_new, unsaved=True)
    try:
        await run_in_threadpool(workspace.save_draft, kind, key, entry, editor)
    except WorkspaceError as refused:
        error = "too_big" if refused.code == "too_big" else "not_saved"
        return _entry_page(
            request, templates, texts, workspace, info, kind, key, entry, is_new=is_new, status_code=400, error=error
        )
    return _redirect(request, f"/staff/content/entries/{kind}/{quote(key)}", done="saved")


@router.post(
    "/content/publish", response_class=HTMLResponse, openapi_extra=form_body(draft=text_field(20, "one draft's id"))
)
async def publish(
    request: Request, info: Editor, templates: Templates, texts: TextsDep, workspace: CatalogueWorkspaceDep
) -> Response:
    """Publish the editor's drafts (or one); a catalogue the loader refuses is not published and its problems shown."""
    form = await staff_form(request, info.csrf_token)
    editor = info.account.username
    one = form.get("draft", "")[:20]
    ids = [int(one)] if one.isdigit() else None
    if ids and not any(d.id == ids[0] for d in workspace.drafts(editor)):
        raise HTTPException(status_code=404, detail="no such draft")
    try:
        await run_in_threadpool(workspace.publish, editor, ids)
    except CatalogueError as refused:
        problems = list(getattr(refused, "problems", []) or [])
        return _browse_page(request, templates, texts, workspace, info, "service", status_code=400, problems=problems)
    tab = form.get("tab", "")
    return _redirect(request, "/staff/content", tab=tab if tab in KINDS else "", done="published")


@router.post("/content/drafts/{draft_id}/discard", response_class=HTMLResponse, openapi_extra=form_body())
async def discard(request: Request, draft_id: RowId, info: Editor, workspace: CatalogueWorkspaceDep) -> Response:
    """Throw one of the editor's drafts away."""
    await staff_form(request, info.csrf_token)
    editor = info.account.username
    if not any(d.id == draft_id for d in workspace.drafts(editor)):
        raise HTTPException(status_code=404, detail="no such draft")
    try:
        await run_in_threadpool(workspace.discard, draft_id, editor)
    except WorkspaceError:
        raise HTTPException(status_code=404, detail="no such draft") from None
    return _redirect(request, "/staff/content", done="discarded")


# --- preview ---------------------------------------------------------------------------------------------


def _draft_catalogue(workspace: CatalogueWorkspace, editor: str):
    """The catalogue with the editor's drafts, or the loader's problems with it."""
    try:
        return load_documents(workspace.documents(include_drafts_of=editor)), []
    except CatalogueError as refused:
        return None, list(getattr(refused, "problems", []) or [])


@router.get("/content/entries/{kind}/{key}/preview", response_class=HTMLResponse)
def preview_page(
    request: Request,
    kind: KindParam,
    key: KeyParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
) -> HTMLResponse:
    """The answer about the entry, with the editor's drafts, as the kiosk and the widget draw it, in fi, sv and en."""
    _known(kind, key)
    lang = staff_lang(request)
    c = _texts(texts, lang)["c"]
    cat, problems = _draft_catalogue(workspace, info.account.username)
    entry = workspace.entry(kind, key, info.account.username)
    if entry is None:
        raise HTTPException(status_code=404, detail="no such entry")
    return templates.TemplateResponse(
        request,
        "staff_content_preview.html",
        {
            "c": c,
            "kind": kind,
            "key": key,
            "name": content.entry_name(kind, entry, lang),
            "languages": LANGUAGES,
            "surfaces": SURFACES,
            "problems": _problem_texts(c, problems),
            "ready": cat is not None and content.previewable(kind),
            "previewable": content.previewable(kind),
        },
    )


@router.get("/content/entries/{kind}/{key}/preview/frame", response_class=HTMLResponse)
def preview_frame(
    request: Request,
    kind: KindParam,
    key: KeyParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
    surface: Annotated[str, Query(pattern="^(kiosk|widget)$")] = "kiosk",
    answer: Annotated[str, Query(pattern="^(fi|sv|en)$")] = "fi",
) -> HTMLResponse:
    """One framed answer: the messages the action sends, drawn by the shared chat core in the surface's styles."""
    _known(kind, key)
    cat, _ = _draft_catalogue(workspace, info.account.username)
    if cat is None or not content.previewable(kind):
        raise HTTPException(status_code=409, detail="the catalogue with the drafts does not load")
    known = {"form": cat.forms, "service": cat.services, "life_situation": cat.life_situations}[kind]
    if key not in known:
        raise HTTPException(status_code=404, detail="no such entry")
    tree = texts(answer)
    config = {
        "surface": surface,
        "lang": answer,
        "texts": {answer: {"chat": tree["chat"], "kiosk": tree["kiosk"], "widget": tree.get("widget", {})}},
        "messages": content.answer_messages(cat, kind, key, answer),
    }
    return templates.TemplateResponse(
        request,
        "staff_content_frame.html",
        {"c": _texts(texts, staff_lang(request))["c"], "surface": surface, "answer": answer, "config": config},
    )


# --- history, conflicts, export ------------------------------------------------------------------------


def _history_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    workspace: CatalogueWorkspace,
    *,
    kind: str = "",
    key: str = "",
    status_code: int = 200,
    error: str | None = None,
    problems: list | None = None,
    done: str | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    c = _texts(texts, lang)["c"]
    changes = workspace.history(kind or None, key or None)
    return templates.TemplateResponse(
        request,
        "staff_content_history.html",
        {
            "c": c,
            "changes": [_draft_view(d, lang) for d in changes],
            "conflicts": [
                dict(vars(x), shown_base=_short(x.base_value), shown_editor=_short(x.editor_value))
                for x in workspace.conflicts()
            ],
            "kind": kind,
            "key": key,
            "error": error,
            "problems": _problem_texts(c, problems or []),
            "done": done if done in DONE else None,
        },
        status_code=status_code,
    )


def _short(value: Any) -> str:
    """A conflicting value as one short line."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:199] + "…"


@router.get("/content/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
    kind: Annotated[str, Query(pattern="^(|life_situation|service|form|authority|point)$")] = "",
    key: Annotated[str, Query(max_length=content.MAX_KEY)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Every published change, newest first, who and when; the conflicts after an upgrade first."""
    return _history_page(request, templates, texts, workspace, kind=kind, key=key, done=done)


@router.post("/content/history/{change_id}/revert", response_class=HTMLResponse, openapi_extra=form_body())
async def revert(
    request: Request,
    change_id: RowId,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
) -> Response:
    """Undo a published change with a new published one (refused when the catalogue would not load)."""
    await staff_form(request, info.csrf_token)
    try:
        await run_in_threadpool(workspace.revert, change_id, info.account.username)
    except CatalogueError as refused:
        problems = list(getattr(refused, "problems", []) or [])
        return _history_page(
            request, templates, texts, workspace, status_code=400, error="revert_invalid", problems=problems
        )
    except WorkspaceError as refused:
        error = f"revert_{refused.code}" if refused.code in REVERT_ERRORS else "revert_not_applicable"
        return _history_page(request, templates, texts, workspace, status_code=400, error=error)
    return _redirect(request, "/staff/content/history", done="reverted")


@router.post(
    "/content/conflicts/{change_id}/resolve",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        field=text_field(128, "the conflicting field"),
        keep={"type": "string", "enum": ["editor", "repository"]},
    ),
)
async def resolve(
    request: Request,
    change_id: RowId,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    workspace: CatalogueWorkspaceDep,
) -> Response:
    """Settle a conflict after an upgrade: keep the value changed here, or take the update's (published at once)."""
    form = await staff_form(request, info.csrf_token)
    keep = form.get("keep", "")
    if keep not in ("editor", "repository"):
        return _history_page(request, templates, texts, workspace, status_code=400, error="resolve_gone")
    try:
        await run_in_threadpool(workspace.resolve, change_id, form.get("field", "")[:128], info.account.username, keep)
    except CatalogueError as refused:
        problems = list(getattr(refused, "problems", []) or [])
        return _history_page(
            request, templates, texts, workspace, status_code=400, error="resolve_invalid", problems=problems
        )
    except WorkspaceError:
        return _history_page(request, templates, texts, workspace, status_code=400, error="resolve_gone")
    return _redirect(request, "/staff/content/history", done="resolved")


@router.get("/content/export.zip")
def export_zip(info: Editor, workspace: CatalogueWorkspaceDep) -> Response:
    """The published catalogue as the YAML files of catalogue/data/, to keep or to send upstream."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(workspace.export_files().items()):
            archive.writestr(f"catalogue/data/{name}", text)
    day = dt.datetime.now(HELSINKI).strftime("%Y%m%d")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="catalogue-{day}.zip"', "Cache-Control": "no-store"},
    )
