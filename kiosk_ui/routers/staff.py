"""Staff pages (/staff): login, logout, own password, accounts (the dashboard is in staff_cases.py).

Sessions live in the database (the cookie holds a random token); every form carries a CSRF token
(the session's, or before login a cookie's) compared in constant time; failed logins are limited
per client address and per username.
"""

from __future__ import annotations

import contextlib
import secrets
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kiosk_ui.deps import (
    STAFF_COOKIE,
    Accounts,
    Admin,
    RateLimiterDep,
    SettingsDep,
    Staff,
    Templates,
    client_address,
    staff_lang,
    staff_page,
)
from kiosk_ui.ratelimit import RateLimited
from kiosk_ui.settings import Settings
from kiosk_ui.views.forms import see_other, staff_form
from store.accounts import ROLES, AccountError

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
LOGIN_CSRF_COOKIE = "staff_login_csrf"


def _cookie(response: Response, settings: Settings, name: str, value: str, max_age: int, path: str) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="strict", secure=settings.staff_cookie_secure
    )


# Login and logout


def _login_page(
    request: Request,
    templates: Jinja2Templates,
    settings: Settings,
    error: str | None = None,
    status_code: int = 200,
    username: str = "",
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "staff_login.html",
        {"csrf_token": token, "error": error, "username": username},
        status_code=status_code,
    )
    _cookie(response, settings, LOGIN_CSRF_COOKIE, token, 3600, "/staff/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    templates: Templates,
    settings: SettingsDep,
) -> HTMLResponse:
    return _login_page(request, templates, settings)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    templates: Templates,
    settings: SettingsDep,
    accounts: Accounts,
    limiter: RateLimiterDep,
) -> Response:
    form = await staff_form(request, request.cookies.get(LOGIN_CSRF_COOKIE))
    username = form.get("username", "").strip()[:64]
    password = form.get("password", "")[:1024]
    rule = settings.staff_login_rate_limit
    keys = (("staff-login-address", client_address(request)), ("staff-login-user", username.lower()))
    if not all(limiter.allowed(rule, *key) for key in keys):
        return _login_page(request, templates, settings, "rate_limited", 429, username)
    account = accounts.authenticate(username, password)
    if account is None:
        for key in keys:
            with contextlib.suppress(RateLimited):  # already at the limit; the next attempt is refused above
                limiter.hit(rule, *key)
        return _login_page(request, templates, settings, "login_failed", 401, username)
    token, _ = accounts.start_session(account, settings.staff_session_hours)
    response = see_other(request, "/staff/password" if account.must_change_password else "/staff")
    _cookie(response, settings, STAFF_COOKIE, token, int(settings.staff_session_hours * 3600), "/staff")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff/login")
    return response


@router.post("/logout")
async def logout(
    request: Request,
    info: Staff,
    accounts: Accounts,
) -> Response:
    await staff_form(request, info.csrf_token)
    accounts.end_session(request.cookies.get(STAFF_COOKIE))
    response = see_other(request, "/staff/login")
    response.delete_cookie(STAFF_COOKIE, path="/staff")
    return response


# Own password


@router.get("/password", response_class=HTMLResponse)
def password_form(
    request: Request,
    info: Staff,
    templates: Templates,
):
    return templates.TemplateResponse(request, "staff_password.html", {"error": None})


@router.post("/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    info: Staff,
    templates: Templates,
    accounts: Accounts,
) -> Response:
    form = await staff_form(request, info.csrf_token)
    new = form.get("new_password", "")
    error = None
    if new != form.get("new_password_again", ""):
        error = "password_mismatch"
    else:
        try:
            accounts.change_password(info.account.id, form.get("current_password", ""), new)
        except AccountError as exc:
            error = exc.code
    if error:
        return templates.TemplateResponse(request, "staff_password.html", {"error": error}, status_code=400)
    # Other browsers signed in with the old password are signed out.
    accounts.end_other_sessions(info.account.id, request.cookies.get(STAFF_COOKIE, ""))
    return see_other(request, "/staff")


# The advisor's dashboard (GET /staff) lives in staff_cases.py.


# Accounts (admin)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    info: Admin,
    templates: Templates,
    accounts: Accounts,
):
    return templates.TemplateResponse(
        request,
        "staff_accounts.html",
        {"accounts": accounts.list(), "roles": ROLES, "error": None, "created": request.query_params.get("created")},
    )


@router.post("/accounts", response_class=HTMLResponse)
async def create_account(
    request: Request,
    info: Admin,
    templates: Templates,
    accounts: Accounts,
) -> Response:
    form = await staff_form(request, info.csrf_token)
    username = form.get("username", "").strip()
    try:
        # The admin hands the first password over; the new member must change it at the first login.
        accounts.create(username, form.get("password", ""), form.get("role", ""), must_change_password=True)
    except AccountError as exc:
        return templates.TemplateResponse(
            request,
            "staff_accounts.html",
            {"accounts": accounts.list(), "roles": ROLES, "error": exc.code, "created": None},
            status_code=400,
        )
    return RedirectResponse(
        f"/staff/accounts?lang={quote(staff_lang(request))}&created={quote(username)}", status_code=303
    )
