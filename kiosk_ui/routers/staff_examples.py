"""Training examples per intent and language, with history and revert (/staff/training/intents).

Editors and admins add, edit and delete examples; every change is a row over the repository's nlu_data/
(training.data), so it can be read per intent or editor, reverted, and downloaded as Rasa YAML.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kiosk_ui.deps import CatalogueDep, Editor, RowId, Templates, TextsDep, TrainingDataDep, staff_lang, staff_page
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.forms import form_body, staff_form
from kiosk_ui.views.records import local_label
from service_catalogue.loader import Catalogue
from store.rows import HELSINKI
from training.data import (
    MAX_TEXT,
    ChangeNotApplicable,
    DuplicateExample,
    TrainingData,
    UnknownExample,
    near_key,
    normalise,
)
from training.intents import KINDS, intent_kind, intent_name, intent_names

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])

INTENT = r"^[A-Za-z0-9_]{1,128}$"
MAX_QUERY = 100
MAX_EDITOR = 64
# The example being edited or deleted may be a longer one of the repository; anything longer is no example.
MAX_OLD_TEXT = 2000
DONE = ("added", "edited", "deleted", "reverted")
IntentParam = Annotated[str, PathParam(pattern=INTENT)]
# The examples' form fields (documented in the schema; the handlers check them).
EXAMPLE_LANG = {"type": "string", "enum": list(LANGUAGES)}
EXAMPLE_TEXT = {"type": "string", "maxLength": MAX_TEXT, "description": "one line"}
OLD_TEXT = {"type": "string", "maxLength": MAX_OLD_TEXT, "description": "the example as it is now"}


def _texts(texts: Texts, lang: str) -> dict:
    """The page's own texts and the training workspace's shared ones."""
    tree = texts(lang)
    return {"e": tree["examples"], "tr": tree["training"], "ik": tree["intents"]}


def _example_lang(value: str | None) -> str:
    return value if value in LANGUAGES else "fi"


def _redirect(request: Request, path: str, **params: str) -> RedirectResponse:
    """303 to a training page in this page's language, with what it should show."""
    query = urlencode({"lang": staff_lang(request), **{k: v for k, v in params.items() if v}})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def _known_intent(data: TrainingData, intent: str) -> None:
    # A topic gone from the catalogue keeps its page, so its examples can be read and deleted.
    if intent not in data.intents() and intent not in data.retired():
        raise HTTPException(status_code=404, detail="no such intent")


@router.get("/training/intents", response_class=HTMLResponse)
def intents_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    data: TrainingDataDep,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
) -> HTMLResponse:
    """Every intent by its human name with its example counts per language, and a search over all examples."""
    lang = staff_lang(request)
    names = intent_names(lang, cat, texts)
    counts = data.counts()
    groups: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for intent, per_lang in counts.items():
        groups[intent_kind(intent, cat)].append(
            {"intent": intent, "name": intent_name(intent, names), "counts": per_lang, "few": min(per_lang.values())}
        )
    for rows in groups.values():
        rows.sort(key=lambda row: row["name"].casefold())
    # Topics gone from the catalogue whose examples are still here (left out of training), to clean up.
    retired = [
        {"intent": i, "name": intent_name(i, names), "counts": {c: len(data.examples(i, c)) for c in LANGUAGES}}
        for i in data.retired()
    ]
    query = q.strip()
    found = [
        {"intent": intent, "name": intent_name(intent, names), "lang": example_lang, "text": example.text}
        for intent, example_lang, example in data.search(query)
    ]
    return templates.TemplateResponse(
        request,
        "staff_examples.html",
        {
            **_texts(texts, lang),
            "groups": [(kind, rows) for kind, rows in groups.items() if rows],
            "retired": retired,
            "languages": LANGUAGES,
            "query": query,
            "found": found,
            "searched": bool(near_key(query)),
            "conflicts": len(data.conflicts()),
        },
    )


def _intent_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    cat: Catalogue,
    data: TrainingData,
    intent: str,
    example_lang: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    other_intent: str | None = None,
    near: list[tuple[str, str]] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
    query: str = "",
) -> HTMLResponse:
    lang = staff_lang(request)
    names = intent_names(lang, cat, texts)
    retired = intent in data.retired()
    wanted = near_key(query)
    examples = data.examples(intent, example_lang)
    shown = [e for e in examples if near_key(e.text).find(wanted) >= 0] if wanted else examples
    return templates.TemplateResponse(
        request,
        "staff_examples_intent.html",
        {
            **_texts(texts, lang),
            "intent": intent,
            "name": intent_name(intent, names),
            "editable": data.editable(intent) and not retired,
            "retired": retired,
            "example_lang": example_lang,
            "tabs": [(code, len(data.examples(intent, code))) for code in LANGUAGES],
            "examples": shown,
            "total": len(examples),
            "query": query,
            "max_text": MAX_TEXT,
            "error": error,
            "other_intent": other_intent,
            "other_name": intent_name(other_intent, names) if other_intent else None,
            "near": [(i, intent_name(i, names), text) for i, text in near or []],
            "values": values or {},
            "done": done if done in DONE else None,
            "history": [
                dict(vars(change), when=local_label(change.at)) for change in data.history(intent=intent, limit=10)
            ],
        },
        status_code=status_code,
    )


@router.get("/training/intents/{intent}", response_class=HTMLResponse)
def intent_page(
    request: Request,
    intent: IntentParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    data: TrainingDataDep,
    examples: Annotated[str, Query(max_length=2)] = "fi",
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """One intent's examples in one language (tabs for fi, sv, en), with the add, edit and delete forms."""
    _known_intent(data, intent)
    return _intent_page(
        request, templates, texts, cat, data, intent, _example_lang(examples), done=done, query=q.strip()
    )


def _refusal(text: str) -> str | None:
    """The error code of a text no example can have, before the data is asked."""
    if not text.strip():
        return "empty"
    if len(" ".join(text.split())) > MAX_TEXT:
        return "too_long"
    return None


@router.post(
    "/training/intents/{intent}/add",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        example_lang=EXAMPLE_LANG, text=EXAMPLE_TEXT, confirm={"type": "string", "enum": ["1", ""]}
    ),
)
async def add_example(
    request: Request,
    intent: IntentParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    data: TrainingDataDep,
) -> Response:
    """Add an example; a near-duplicate is shown first and added only when the editor confirms."""
    form = await staff_form(request, info.csrf_token)
    _known_intent(data, intent)
    example_lang = _example_lang(form.get("example_lang"))
    text = form.get("text", "")[: MAX_TEXT * 4]
    page = functools.partial(_intent_page, request, templates, texts, cat, data, intent, example_lang)
    error = _refusal(text)
    if error is None and (not data.editable(intent) or intent in data.retired()):
        error = "not_editable"
    if error:
        return page(status_code=400, error=error, values={"text": text})
    if form.get("confirm") != "1":
        near = data.near_duplicates(text, example_lang)
        # An exact duplicate is refused below, naming its intent; only a near one asks for a confirmation.
        if near and not any(normalise(t) == normalise(text) for _, t in near):
            return page(near=near, values={"text": text})
    try:
        data.add(intent, example_lang, text, info.account.username)
    except DuplicateExample as refused:
        return page(
            status_code=400,
            error="duplicate",
            other_intent=refused.intent,
            values={"text": text},
        )
    except ValueError:
        return page(status_code=400, error="bad_text", values={"text": text})
    return _redirect(request, f"/staff/training/intents/{intent}", examples=example_lang, done="added")


@router.post(
    "/training/intents/{intent}/edit",
    response_class=HTMLResponse,
    openapi_extra=form_body(example_lang=EXAMPLE_LANG, old_text=OLD_TEXT, text=EXAMPLE_TEXT),
)
async def edit_example(
    request: Request,
    intent: IntentParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    data: TrainingDataDep,
) -> Response:
    """Rewrite an example."""
    form = await staff_form(request, info.csrf_token)
    _known_intent(data, intent)
    example_lang = _example_lang(form.get("example_lang"))
    old_text, text = form.get("old_text", "")[:MAX_OLD_TEXT], form.get("text", "")[: MAX_TEXT * 4]
    page = functools.partial(_intent_page, request, templates, texts, cat, data, intent, example_lang)
    error = _refusal(text)
    other = None
    if error is None:
        try:
            data.edit(intent, example_lang, old_text, text, info.account.username)
        except DuplicateExample as refused:
            error, other = "duplicate", refused.intent
        except UnknownExample:
            error = "gone"
        except ValueError:
            error = "unchanged" if " ".join(text.split()) == old_text else "bad_text"
    if error:
        return page(status_code=400, error=error, other_intent=other)
    return _redirect(request, f"/staff/training/intents/{intent}", examples=example_lang, done="edited")


@router.post(
    "/training/intents/{intent}/delete",
    response_class=HTMLResponse,
    openapi_extra=form_body(example_lang=EXAMPLE_LANG, old_text=OLD_TEXT),
)
async def delete_example(
    request: Request,
    intent: IntentParam,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    data: TrainingDataDep,
) -> Response:
    """Remove an example (the history keeps it, so it can be brought back)."""
    form = await staff_form(request, info.csrf_token)
    _known_intent(data, intent)
    example_lang = _example_lang(form.get("example_lang"))
    try:
        data.delete(intent, example_lang, form.get("old_text", "")[:MAX_OLD_TEXT], info.account.username)
    except ValueError:
        return _intent_page(request, templates, texts, cat, data, intent, example_lang, status_code=400, error="gone")
    return _redirect(request, f"/staff/training/intents/{intent}", examples=example_lang, done="deleted")


def _history_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    cat: Catalogue,
    data: TrainingData,
    *,
    intent: str = "",
    editor: str = "",
    status_code: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    names = intent_names(lang, cat, texts)
    changes = data.history(intent=intent or None, editor=editor or None)
    conflicts = data.conflicts()
    return templates.TemplateResponse(
        request,
        "staff_examples_history.html",
        {
            **_texts(texts, lang),
            "changes": [dict(vars(c), when=local_label(c.at), name=intent_name(c.intent, names)) for c in changes],
            "conflicts": [
                dict(
                    vars(c.change),
                    when=local_label(c.change.at),
                    name=intent_name(c.change.intent, names),
                    reason=c.reason,
                    other_name=intent_name(c.other_intent, names) if c.other_intent else None,
                )
                for c in conflicts
            ],
            "intents": sorted(((i, intent_name(i, names)) for i in data.intents()), key=lambda p: p[1].casefold()),
            "editors": data.editors(),
            "intent": intent,
            "editor": editor,
            "error": error,
            "done": done if done in DONE else None,
        },
        status_code=status_code,
    )


@router.get("/training/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    data: TrainingDataDep,
    intent: Annotated[str, Query(max_length=128)] = "",
    editor: Annotated[str, Query(max_length=MAX_EDITOR)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Every change of the examples, newest first, by intent and by editor; conflicts after an upgrade first."""
    return _history_page(request, templates, texts, cat, data, intent=intent, editor=editor, done=done)


@router.post(
    "/training/history/{change_id}/revert",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        intent={"type": "string", "maxLength": 128, "description": "the history's intent filter"},
        editor={"type": "string", "maxLength": MAX_EDITOR, "description": "the history's editor filter"},
    ),
)
async def revert_change(
    request: Request,
    change_id: RowId,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    data: TrainingDataDep,
) -> Response:
    """Undo one change with a new change (the history keeps both)."""
    form = await staff_form(request, info.csrf_token)
    intent, editor = form.get("intent", "")[:128], form.get("editor", "")[:MAX_EDITOR]
    try:
        data.revert(change_id, info.account.username)
    except ChangeNotApplicable as refused:
        return _history_page(
            request,
            templates,
            texts,
            cat,
            data,
            intent=intent,
            editor=editor,
            status_code=400,
            error=f"revert_{refused.reason}",
        )
    return _redirect(request, "/staff/training/history", intent=intent, editor=editor, done="reverted")


@router.get("/training/export.zip")
def export_zip(info: Editor, data: TrainingDataDep) -> Response:
    """The merged examples as Rasa YAML in nlu_data/'s layout, to train from or to send upstream."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        data.export(Path(folder))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    archive.write(path, f"nlu_data/{path.relative_to(folder).as_posix()}")
    day = dt.datetime.now(HELSINKI).strftime("%Y%m%d")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="nlu_data-{day}.zip"', "Cache-Control": "no-store"},
    )
