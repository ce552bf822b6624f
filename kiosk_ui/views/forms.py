"""The staff pages' forms and redirects: CSRF-checked form fields, and 303s that keep the page language."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse

from kiosk_ui.deps import csrf_matches, staff_lang


async def staff_form(request: Request, expected_csrf: str | None) -> dict[str, str]:
    """The posted form's text fields, or 403 when its CSRF token is missing or wrong."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not csrf_matches(expected_csrf, sent if isinstance(sent, str) else None):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return {key: value for key, value in form.items() if isinstance(value, str)}


def see_other(request: Request, path: str) -> RedirectResponse:
    """303 to a staff page in the same language as this one."""
    return RedirectResponse(f"{path}?lang={quote(staff_lang(request))}", status_code=303)
