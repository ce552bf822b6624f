"""The editors' inbox: customers' messages the assistant did not understand (/staff/training), the decisions
about them, and the evaluation set of real messages (/staff/training/evaluation-set). Editors and admins."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kiosk_ui.deps import (
    CatalogueDep,
    Editor,
    EvalSetDep,
    InboxDep,
    ModelBankDep,
    RowId,
    SettingsDep,
    Templates,
    TextsDep,
    TrainingDataDep,
    row_id_of,
    staff_lang,
    staff_page,
)
from kiosk_ui.settings import Settings
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.forms import form_body, staff_form
from service_catalogue.loader import Catalogue
from store.accounts import SessionInfo
from store.rows import HELSINKI
from training.bank import ModelBank
from training.data import TrainingData
from training.evalset import EvalSet
from training.inbox import ACTIONS, DESTINATIONS, REASONS, DecisionOutcome, Inbox, InboxEntry, Predictor
from training.intents import intent_names

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])

PAGE_SIZE = 20
MAX_PAGE = 1000
CHANNELS = ("kiosk", "web")
# One page's checkboxes at most, with room for a page size that grows; more is not a person clicking.
MAX_SELECTED = 200
KEY = re.compile(r"^[0-9a-f]{64}$")
# Rasa answers a parse in milliseconds; a page of twenty waits at most this long per message when it hangs.
RASA_TIMEOUT_SECONDS = 3.0
HIDDEN_INTENTS = ("nlu_fallback",)

Filter = Annotated[str, Query(max_length=16, pattern=r"^[a-z_]*$")]


def _inbox_texts(texts: Texts, lang: str) -> dict:
    return texts(lang)["inbox"]


def _intent_names(lang: str, cat: Catalogue, texts: Texts) -> dict[str, str]:
    """Intents' human names in the editor's language; the page shows the raw name beside them."""
    return intent_names(lang, cat, texts)


def _intents(data: TrainingData) -> list[str]:
    """The intents an editor may give a message: the domain's and the examples', not the fallback."""
    intents = getattr(data, "intents", None)
    found = intents() if callable(intents) else []
    editable = getattr(data, "editable", None)
    return [i for i in found if i not in HIDDEN_INTENTS and (not callable(editable) or editable(i))]


def _active_trained_at(bank: ModelBank) -> dt.datetime | None:
    """When the active model of the bank finished training; None without a bank model (the repo's model)."""
    active = getattr(bank, "active", None)
    record = active() if callable(active) else None
    trained_at = getattr(record, "finished_at", None)
    return trained_at if isinstance(trained_at, dt.datetime) else None


def _predictor(settings: Settings, client: httpx.Client) -> Predictor:
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    return Predictor(str(settings.rasa_url), token, client=client)


def _date(moment: dt.datetime, ib: dict) -> str:
    local = moment.astimezone(HELSINKI)
    return ib["date_format"].format(
        day=local.day, month=local.month, year=local.year, hour=local.hour, minute=f"{local.minute:02d}"
    )


def _filters(language: str, channel: str, reason: str) -> dict[str, str]:
    """The filters the page knows; anything else is ignored rather than refused (an old bookmark)."""
    return {
        "language": language if language in LANGUAGES else "",
        "channel": channel if channel in CHANNELS else "",
        "reason": reason if reason in REASONS else "",
    }


def _inbox_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    cat: Catalogue,
    settings: Settings,
    inbox: Inbox,
    data: TrainingData,
    bank: ModelBank,
    *,
    filters: dict[str, str],
    page: int,
    status_code: int = 200,
    error: str | None = None,
    outcome: dict[str, int] | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    ib = _inbox_texts(texts, lang)
    inbox.purge()
    entries = inbox.entries(
        language=filters["language"] or None, channel=filters["channel"] or None, reason=filters["reason"] or None
    )
    pages = max(1, math.ceil(len(entries) / PAGE_SIZE))
    page = min(page, pages)
    shown: list[InboxEntry] = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    with httpx.Client(timeout=RASA_TIMEOUT_SECONDS) as client:
        available = inbox.annotate(shown, _predictor(settings, client), _active_trained_at(bank))
    names = _intent_names(lang, cat, texts)
    intents = _intents(data)
    rows = [
        {
            "entry": entry,
            "date": _date(entry.last_at, ib),
            "destination": entry.default_destination,
            "suggested": entry.prediction.intent
            if entry.prediction and entry.prediction.understood and entry.prediction.intent in intents
            else "",
        }
        for entry in shown
    ]

    def link(**changes: Any) -> str:
        query = {"lang": lang, **{k: v for k, v in filters.items() if v}, "page": page, **changes}
        return f"/staff/training?{urlencode({k: v for k, v in query.items() if v})}"

    return templates.TemplateResponse(
        request,
        "staff_inbox.html",
        {
            "ib": ib,
            "tr": texts(lang)["training"],
            "rows": rows,
            "total": len(entries),
            "page": page,
            "pages": pages,
            "previous_link": link(page=page - 1) if page > 1 else None,
            "next_link": link(page=page + 1) if page < pages else None,
            "filters": filters,
            "languages": LANGUAGES,
            "channels": CHANNELS,
            "reasons": REASONS,
            "actions": ACTIONS,
            "destinations": DESTINATIONS,
            "intents": sorted(intents, key=lambda i: (names.get(i) or i).casefold()),
            "names": names,
            "available": available,
            "retention_days": inbox.retention_days,
            "error": error,
            "outcome": outcome,
        },
        status_code=status_code,
    )


@router.get("/training", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    settings: SettingsDep,
    inbox: InboxDep,
    data: TrainingDataDep,
    bank: ModelBankDep,
    language: Filter = "",
    channel: Filter = "",
    reason: Filter = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    decided: Annotated[int | None, Query(ge=0, le=MAX_SELECTED)] = None,
    skipped: Annotated[int | None, Query(ge=0, le=MAX_SELECTED)] = None,
    duplicates: Annotated[int | None, Query(ge=0, le=MAX_SELECTED)] = None,
) -> HTMLResponse:
    outcome = None
    if decided is not None:
        outcome = {"decided": decided, "skipped": skipped or 0, "duplicates": duplicates or 0}
    return _inbox_page(
        request,
        templates,
        texts,
        cat,
        settings,
        inbox,
        data,
        bank,
        filters=_filters(language, channel, reason),
        page=page,
        outcome=outcome,
    )


def _decision(form: dict[str, str], keys: list[str]) -> tuple[list[str], str, str, str]:
    """(keys, action, intent, destination) of the posted form: one row's button, or the bulk panel."""
    single = form.get("single", "")
    if single:
        action, _, key = single.partition(":")
        return [key], action, form.get(f"intent_{key}", ""), "auto"
    return keys, form.get("action", ""), form.get("intent", ""), form.get("destination", "auto") or "auto"


@router.post(
    "/training/inbox/decide",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        key={"type": "array", "items": {"type": "string", "pattern": KEY.pattern}, "maxItems": MAX_SELECTED},
        single={"type": "string", "maxLength": 100, "description": "one row's button: action:key"},
        action={"type": "string", "enum": list(ACTIONS)},
        intent={"type": "string", "maxLength": 128},
        destination={"type": "string", "enum": list(DESTINATIONS)},
        language={"type": "string", "enum": [*LANGUAGES, ""]},
        channel={"type": "string", "enum": [*CHANNELS, ""]},
        reason={"type": "string", "enum": [*REASONS, ""]},
        page={"type": "string", "pattern": "^[0-9]{1,4}$"},
    ),
)
async def decide(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    settings: SettingsDep,
    inbox: InboxDep,
    data: TrainingDataDep,
    evalset: EvalSetDep,
    bank: ModelBankDep,
) -> Response:
    form = await staff_form(request, info.csrf_token)
    # Checkboxes share one name; staff_form keeps one value per name, so the list comes from the form itself.
    selected = [k for k in (await request.form()).getlist("key") if isinstance(k, str)]
    keys, action, intent, destination = _decision(form, selected)
    filters = _filters(form.get("language", ""), form.get("channel", ""), form.get("reason", ""))
    page = min(row_id_of(form.get("page")) or 1, MAX_PAGE)
    error = _refusal(keys, action, intent, destination, _intents(data))
    if error:
        # The page asks Rasa for predictions: off the event loop.
        return await run_in_threadpool(
            _inbox_page, request, templates, texts, cat, settings, inbox, data, bank,
            filters=filters, page=page, status_code=400, error=error,
        )  # fmt: skip
    return await _apply(request, info, settings, inbox, data, evalset, keys, action, intent, destination, filters, page)


def _refusal(keys: list[str], action: str, intent: str, destination: str, intents: list[str]) -> str | None:
    """The error code of a decision the page refuses, or None."""
    if not keys:
        return "no_selection"
    if len(keys) > MAX_SELECTED or not all(KEY.match(k) for k in keys):
        return "bad_selection"
    if action not in ACTIONS or destination not in DESTINATIONS:
        return "bad_action"
    if action == "assign" and intent not in intents:
        return "bad_intent"
    return None


async def _apply(
    request: Request,
    info: SessionInfo,
    settings: Settings,
    inbox: Inbox,
    data: TrainingData,
    evalset: EvalSet,
    keys: list[str],
    action: str,
    intent: str,
    destination: str,
    filters: dict[str, str],
    page: int,
) -> RedirectResponse:
    def work() -> DecisionOutcome:
        with httpx.Client(timeout=RASA_TIMEOUT_SECONDS) as client:
            return inbox.decide(
                keys,
                action,
                info.account.username,
                intent=intent or None,
                destination=destination,
                predictor=_predictor(settings, client),
                examples=data,
                evalset=evalset,
                known_intents=_intents(data),
            )

    outcome = await run_in_threadpool(work)
    duplicates = sum(1 for _, why in outcome.skipped if why == "duplicate")
    query = {
        "lang": staff_lang(request),
        **{k: v for k, v in filters.items() if v},
        "page": page,
        "decided": len(outcome.decided),
        "skipped": len(outcome.skipped) - duplicates,
        "duplicates": duplicates,
    }
    return RedirectResponse(f"/staff/training?{urlencode(query)}", status_code=303)


@router.get("/training/evaluation-set", response_class=HTMLResponse)
def evaluation_set_page(
    request: Request,
    info: Editor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    evalset: EvalSetDep,
    language: Filter = "",
    removed: Annotated[int | None, Query(ge=0, le=1)] = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    ib = _inbox_texts(texts, lang)
    everything = evalset.items()
    language = language if language in LANGUAGES else ""
    items = [i for i in everything if not language or i.language == language]
    return templates.TemplateResponse(
        request,
        "staff_inbox_evalset.html",
        {
            "ib": ib,
            "tr": texts(lang)["training"],
            "items": [{"item": i, "date": _date(i.added_at, ib)} for i in items],
            "counts": {code: sum(1 for i in everything if i.language == code) for code in LANGUAGES},
            "languages": LANGUAGES,
            "language": language,
            "names": _intent_names(lang, cat, texts),
            "removed": bool(removed),
        },
    )


@router.post("/training/evaluation-set/{item_id}/remove", openapi_extra=form_body())
async def remove_evaluation_item(request: Request, item_id: RowId, info: Editor, evalset: EvalSetDep) -> Response:
    await staff_form(request, info.csrf_token)
    evalset.remove(item_id)
    query = urlencode({"lang": staff_lang(request), "removed": 1})
    return RedirectResponse(f"/staff/training/evaluation-set?{query}", status_code=303)
