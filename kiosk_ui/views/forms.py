"""The staff pages' forms and redirects: CSRF-checked form fields, and 303s that keep the page language."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse

from kiosk_ui.deps import csrf_matches, staff_lang

# A script that posts without a form (fetch) may send the session's CSRF token in this header instead;
# another site cannot set it without a CORS preflight, which the staff routes never allow.
CSRF_HEADER = "X-CSRF-Token"


async def staff_form(request: Request, expected_csrf: str | None) -> dict[str, str]:
    """The posted form's text fields, or 403 when its CSRF token (field or header) is missing or wrong."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str):
        sent = request.headers.get(CSRF_HEADER)
    if not csrf_matches(expected_csrf, sent):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return {key: value for key, value in form.items() if isinstance(value, str)}


def text_field(max_length: int, description: str) -> dict[str, Any]:
    """A text field of a staff form, for form_body."""
    return {"type": "string", "maxLength": max_length, "description": description}


def form_body(**fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a staff form (for a route's openapi_extra): the handler reads the form with
    staff_form and checks each field itself, so this documents the fields for /docs and the schema tests."""
    properties = {"csrf_token": {"type": "string", "maxLength": 100, "description": "the session's CSRF token"}}
    properties.update(fields)
    schema = {"type": "object", "properties": properties, "required": ["csrf_token"]}
    return {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


def see_other(request: Request, path: str) -> RedirectResponse:
    """303 to a staff page in the same language as this one."""
    return RedirectResponse(f"{path}?lang={quote(staff_lang(request))}", status_code=303)
