"""The active model for every Rasa instance: Rasa's model server protocol (ETag / If-None-Match).

Every Rasa started with `models:` in bot/endpoints.yml asks `GET /model-server/active?token=…` every
`wait_time_between_pulls` seconds with `If-None-Match: <the ETag of the model it runs>`
(rasa/core/agent.py). A 304 means nothing new; a 200 is loaded only when it carries an `ETag`, which
Rasa keeps as it is and sends back on the next pull, so the ETag is compared with its quotes removed.
The ETag is the model file's sha256; the `filename` header names the file, and Rasa's `GET /status`
reports it back as `model_file` (so the workspace sees which model each instance runs).

With no active model in the bank the repository's trained models/assistant.tar.gz is served, so `make
run` on a fresh clone runs exactly the model it ran before.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import FileResponse, Response

from kiosk_ui.deps import ModelBankDep, SettingsDep
from training.bank import file_sha256, repository_model

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/model-server", tags=["model server"], include_in_schema=False)


def etag_matches(if_none_match: str | None, sha256: str) -> bool:
    """Whether the client's If-None-Match names this sha256 (quoted or not, weak or not, or in a list)."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == sha256 or tag == "*":
            return True
    return False


def token_ok(expected: str | None, sent: str | None) -> bool:
    """No token configured lets everyone in (make run on localhost); else a constant-time comparison."""
    if expected is None:
        return True
    if not sent:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8"))


@router.get("/active", summary="the active model (Rasa's model server protocol)")
def active_model(
    bank: ModelBankDep,
    settings: SettingsDep,
    token: Annotated[str | None, Query(max_length=256)] = None,
    if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
) -> Response:
    expected = settings.model_server_token.get_secret_value() if settings.model_server_token else None
    if not token_ok(expected, token):
        raise HTTPException(status_code=401, detail="wrong or missing token")
    record = bank.active()
    if record is not None:
        path, sha256 = record.path, record.sha256
        if path is None or sha256 is None or not path.is_file():
            # Never fall back silently to another model: every instance keeps what it runs.
            logger.error("the active model %s has no file at %s", record.id, path)
            raise HTTPException(status_code=404, detail="the active model's file is missing")
    elif repository_model().is_file():
        path = repository_model()
        sha256 = file_sha256(path)
    else:
        raise HTTPException(status_code=404, detail="no model: train one")
    headers = {"ETag": f'"{sha256}"', "filename": path.name, "Cache-Control": "no-cache"}
    if etag_matches(if_none_match, sha256):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="application/gzip", headers=headers)
