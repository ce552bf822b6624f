"""Train, evaluate, activate and roll back models: the model bank (/staff/training/models).

Editors train (a queued job the web app's runner picks up, training.jobs), follow the job's progress,
compare the candidate with the active model and activate it; every Rasa instance pulls the active model
from the model server within its pull interval. Roll back is activating an earlier model. A candidate
marked as a regression needs an admin and a written reason, which is recorded with the activation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from kiosk_ui.deps import (
    CatalogueDep,
    Editor,
    ModelBankDep,
    RasaClient,
    RowId,
    SettingsDep,
    Templates,
    TextsDep,
    TrainingDataDep,
    staff_lang,
    staff_page,
)
from kiosk_ui.settings import Settings
from kiosk_ui.views.forms import form_body, staff_form
from kiosk_ui.views.records import local_label
from service_catalogue.loader import Catalogue
from store.rows import UTC
from training.bank import REPOSITORY, ModelBank, ModelRecord, repository_model
from training.intents import intent_names
from training.jobs import data_checksum
from training.validation import MIN_EXAMPLES, check

router = APIRouter(
    prefix="/staff/training/models", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)]
)
MAX_REASON = 500
MAX_QUEUED = 5
NOTICES = ("queued", "unchanged", "queue_full", "activated", "cancelled", "not_activatable", "invalid_data")
ERRORS = ("reason_required", "admin_required", "reason_too_long")
STATUS_TIMEOUT = 2.0


def see_other(request: Request, path: str, notice: str) -> RedirectResponse:
    """303 to a page of the bank in the same language, with a notice code (one of NOTICES)."""
    return RedirectResponse(f"{path}?lang={quote(staff_lang(request))}&notice={notice}", status_code=303)


def _texts(texts, lang: str) -> dict:
    return texts(lang)["models"]


def _size(size: int | None) -> str:
    return f"{size / 1_000_000:.1f} MB" if size else ""


def _elapsed(record: ModelRecord) -> int | None:
    """Seconds the job has run (until it finished)."""
    if record.started_at is None:
        return None
    end = record.finished_at or dt.datetime.now(UTC)
    return max(0, int((end - record.started_at).total_seconds()))


def stage_label(m: dict, record: ModelRecord) -> str:
    """The job's stage in the editor's language: 'Training component RegexFeaturizer'."""
    stage = record.stage or "waiting"
    if record.state == "queued":
        stage = "queued"
    elif record.state in ("ready", "active", "retired"):
        stage = "done"
    elif record.state == "failed":
        return m["errors"].get(record.error or "error", m["errors"]["error"])
    kind, _, name = stage.partition(":")
    if name:
        return m["stages"][kind].format(name=name)
    return m["stages"].get(kind, stage)


def progress_json(m: dict, record: ModelRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "state": record.state,
        "state_label": m["states"][record.state],
        "stage": record.stage,
        "stage_label": stage_label(m, record),
        "progress": record.progress,
        "elapsed_seconds": _elapsed(record),
        "running": record.state in ("queued", "training", "evaluating"),
        "log_tail": record.log[-4000:],
    }


async def instance_models(client: httpx.AsyncClient, settings: Settings, bank: ModelBank) -> list[dict]:
    """Which model every known Rasa instance runs (Rasa's GET /status), matched with the bank by file name."""
    urls = [str(url).rstrip("/") for url in (settings.rasa_instances or [settings.rasa_url])]
    params = {"token": settings.rasa_token.get_secret_value()} if settings.rasa_token else {}

    async def status(url: str) -> dict:
        try:
            response = await client.get(f"{url}/status", params=params, timeout=STATUS_TIMEOUT)
            body = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            body = None
        if not isinstance(body, dict):
            return {"url": url, "reachable": False}
        return {"url": url, "reachable": True, "model_file": str(body.get("model_file") or "")}

    found = await asyncio.gather(*(status(url) for url in urls))
    records = {r.file_name: r for r in await run_in_threadpool(bank.all) if r.file_name}
    for item in found:
        record = records.get(item.get("model_file", ""))
        item["model"] = record.name if record else item.get("model_file", "")
        item["model_id"] = record.id if record else None
    return list(found)


def _row(m: dict, record: ModelRecord) -> dict[str, Any]:
    return {
        "record": record,
        "name": record.name,
        "state_label": m["states"][record.state],
        "created": local_label(record.created_at),
        "finished": local_label(record.finished_at),
        "checksum": (record.data_checksum or "")[:10],
        "size": _size(record.size),
        "stage_label": stage_label(m, record),
        "by": m["from_repository"] if record.started_by == REPOSITORY else record.started_by,
    }


@router.get("", response_class=HTMLResponse)
async def bank_page(
    request: Request, info: Editor, templates: Templates, texts: TextsDep, bank: ModelBankDep,
    settings: SettingsDep, client: RasaClient, data: TrainingDataDep, cat: CatalogueDep,
) -> HTMLResponse:  # fmt: skip
    lang = staff_lang(request)
    m = _texts(texts, lang)
    # The model customers had before any editor trained one joins the bank, so it can be rolled back to.
    await run_in_threadpool(bank.adopt, repository_model())
    records = await run_in_threadpool(bank.all)
    active = next((r for r in records if r.state == "active"), None)
    notice = request.query_params.get("notice")
    return templates.TemplateResponse(
        request,
        "staff_models.html",
        {
            "m": m,
            "rows": [_row(m, r) for r in records],
            "queue": [_row(m, r) for r in reversed(records) if r.state in ("queued", "training", "evaluating")],
            "active": active,
            "instances": await instance_models(client, settings, bank),
            "notice": notice if notice in NOTICES else None,
            # Validation before training: what to fix, each with a link to the intent and language concerned.
            "findings": await run_in_threadpool(check, data),
            "names": intent_names(lang, cat, texts),
            "min_examples": MIN_EXAMPLES,
        },
    )


@router.post("/train", openapi_extra=form_body())
async def train(request: Request, info: Editor, bank: ModelBankDep, data: TrainingDataDep) -> Response:
    await staff_form(request, info.csrf_token)
    if any(f.blocking for f in await run_in_threadpool(check, data)):
        return see_other(request, "/staff/training/models", notice="invalid_data")
    active = await run_in_threadpool(bank.active)
    if active is not None and active.data_checksum:
        checksum = await run_in_threadpool(data_checksum, bank.engine)
        if checksum == active.data_checksum:
            return see_other(request, "/staff/training/models", notice="unchanged")
    if len(await run_in_threadpool(bank.queue)) >= MAX_QUEUED:
        return see_other(request, "/staff/training/models", notice="queue_full")
    record = await run_in_threadpool(bank.request, info.account.username)
    return see_other(request, f"/staff/training/models/{record.id}", notice="queued")


def _get(bank: ModelBank, model_id: int) -> ModelRecord:
    record = bank.get(model_id)
    if record is None:
        raise HTTPException(status_code=404, detail="no such model")
    return record


def _model_page(
    request: Request, templates: Templates, texts, cat: Catalogue, bank: ModelBank, record: ModelRecord, *,
    error: str | None = None, status_code: int = 200, reason: str = "",
) -> HTMLResponse:  # fmt: skip
    lang = staff_lang(request)
    m = _texts(texts, lang)
    active = bank.active()
    notice = request.query_params.get("notice")
    activations = [{"activation": a, "at": local_label(a.at)} for a in bank.activations(record.id)]
    return templates.TemplateResponse(
        request,
        "staff_models_job.html",
        {
            "m": m,
            "row": _row(m, record),
            "record": record,
            "job": progress_json(m, record),
            "active": active,
            "activations": activations,
            "scores": record.scores,
            # The evaluation names intents as editors know them, with the raw name in small type.
            "names": intent_names(lang, cat, texts),
            "notice": notice if notice in NOTICES else None,
            "error": error,
            "reason": reason,
            "max_reason": MAX_REASON,
        },
        status_code=status_code,
    )


@router.get("/{model_id}", response_class=HTMLResponse)
def model_page(
    request: Request, model_id: RowId, info: Editor, templates: Templates, texts: TextsDep, cat: CatalogueDep,
    bank: ModelBankDep,
) -> HTMLResponse:  # fmt: skip
    return _model_page(request, templates, texts, cat, bank, _get(bank, model_id))


@router.get("/{model_id}/progress.json")
def model_progress(
    request: Request, model_id: RowId, info: Editor, texts: TextsDep, bank: ModelBankDep
) -> JSONResponse:
    record = _get(bank, model_id)
    return JSONResponse(progress_json(_texts(texts, staff_lang(request)), record))


@router.post("/{model_id}/cancel", openapi_extra=form_body())
async def cancel(request: Request, model_id: RowId, info: Editor, bank: ModelBankDep) -> Response:
    await staff_form(request, info.csrf_token)
    await run_in_threadpool(_get, bank, model_id)
    await run_in_threadpool(bank.cancel, model_id)
    return see_other(request, f"/staff/training/models/{model_id}", notice="cancelled")


@router.post(
    "/{model_id}/activate",
    openapi_extra=form_body(reason={"type": "string", "maxLength": MAX_REASON, "description": "why a regression"}),
)
async def activate(
    request: Request, model_id: RowId, info: Editor, templates: Templates, texts: TextsDep, cat: CatalogueDep,
    bank: ModelBankDep,
) -> Response:  # fmt: skip
    form = await staff_form(request, info.csrf_token)
    record = await run_in_threadpool(_get, bank, model_id)
    reason = form.get("reason", "").strip()
    error = None
    if len(reason) > MAX_REASON:
        error = "reason_too_long"
    elif record.regression and not info.account.has_role("admin"):
        error = "admin_required"
    elif record.regression and not reason:
        error = "reason_required"
    if error:
        status = 403 if error == "admin_required" else 400
        page = partial(_model_page, request, templates, texts, cat, bank, record)
        return await run_in_threadpool(page, error=error, status_code=status, reason=reason[:MAX_REASON])
    done = await run_in_threadpool(
        lambda: bank.activate(model_id, info.account.username, reason=reason, override=record.regression)
    )
    notice = "activated" if done else "not_activatable"
    return see_other(request, f"/staff/training/models/{model_id}", notice=notice)


@router.get("/{model_id}/download")
def download(model_id: RowId, info: Editor, bank: ModelBankDep) -> FileResponse:
    record = _get(bank, model_id)
    if record.path is None or not record.path.is_file():
        raise HTTPException(status_code=404, detail="no file for this model")
    return FileResponse(record.path, media_type="application/gzip", filename=record.path.name)
