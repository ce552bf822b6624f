"""Staff pages (/staff): login, logout, own password, accounts (the dashboard is in staff_cases.py).

Sessions live in the database (the cookie holds a random token); every form carries a CSRF token
(the session's, or before login a cookie's) compared in constant time; failed logins slow down the
next attempts per username, address and both, but never for a browser holding a device cookie from
an earlier sign-in of the username (store.login_throttle).
"""

from __future__ import annotations

import math
import secrets
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kiosk_ui.deps import (
    STAFF_COOKIE,
    Accounts,
    Admin,
    LoginThrottleDep,
    SettingsDep,
    Staff,
    Templates,
    client_address,
    staff_lang,
    staff_page,
)
from kiosk_ui.settings import Settings
from kiosk_ui.views.forms import form_body, see_other, staff_form, text_field
from kiosk_ui.views.records import local, local_label
from store.accounts import ROLES, AccountError

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
LOGIN_CSRF_COOKIE = "staff_login_csrf"
# The device cookie (OWASP "device cookies"): random tokens of this browser's earlier sign-ins, only sent
# to the login form; the database keeps their SHA-256 and the username each belongs to.
DEVICE_COOKIE = "staff_device"
# A wait longer than this is told in minutes.
WAIT_IN_SECONDS_MAX = 90


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
    retry_after: int = 0,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    if retry_after:
        error = "rate_limited_seconds" if retry_after <= WAIT_IN_SECONDS_MAX else "rate_limited_minutes"
    wait = {"seconds": retry_after, "minutes": math.ceil(retry_after / 60)}
    response = templates.TemplateResponse(
        request,
        "staff_login.html",
        {"csrf_token": token, "error": error, "username": username, "wait": wait},
        status_code=status_code,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    _cookie(response, settings, LOGIN_CSRF_COOKIE, token, 3600, "/staff/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    templates: Templates,
    settings: SettingsDep,
) -> HTMLResponse:
    return _login_page(request, templates, settings)


@router.post(
    "/login",
    response_class=HTMLResponse,
    openapi_extra=form_body(username=text_field(64, "the staff username"), password=text_field(1024, "the password")),
)
async def login(
    request: Request,
    templates: Templates,
    settings: SettingsDep,
    accounts: Accounts,
    throttle: LoginThrottleDep,
) -> Response:
    form = await staff_form(request, request.cookies.get(LOGIN_CSRF_COOKIE))
    username = form.get("username", "").strip()[:64]
    password = form.get("password", "")[:1024]
    device_cookie = request.cookies.get(DEVICE_COOKIE)
    # The failure is reserved before the password is checked; a throttled attempt gets 429 and its password
    # is never looked at, so the answer says nothing about whether it was right.
    attempt = throttle.begin(username, client_address(request), device_cookie)
    if attempt.refused:
        return _login_page(request, templates, settings, None, 429, username, attempt.retry_after)
    account = accounts.authenticate(username, password)
    if account is None:
        return _login_page(request, templates, settings, "login_failed", 401, username)
    device_cookie = throttle.succeeded(attempt, device_cookie)
    token, _ = accounts.start_session(account, settings.staff_session_hours)
    response = see_other(request, "/staff/password" if account.must_change_password else "/staff")
    _cookie(response, settings, STAFF_COOKIE, token, int(settings.staff_session_hours * 3600), "/staff")
    _cookie(response, settings, DEVICE_COOKIE, device_cookie, settings.staff_login_device_days * 86400, "/staff/login")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff/login")
    return response


@router.post("/logout", openapi_extra=form_body())
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


@router.post(
    "/password",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        current_password=text_field(1024, "the password now"),
        new_password=text_field(1024, "the new password"),
        new_password_again=text_field(1024, "the new password again"),
    ),
)
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


def _accounts_page(
    request: Request,
    templates: Jinja2Templates,
    accounts: Accounts,
    throttle: LoginThrottleDep,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    throttled = [
        {
            **row,
            "first": local_label(row["first_failure_at"]),
            "last": local_label(row["last_failure_at"]),
            "until": local(row["blocked_until"]).strftime("%H:%M:%S") if row["blocked_until"] else "",
        }
        for row in throttle.active()
    ]
    return templates.TemplateResponse(
        request,
        "staff_accounts.html",
        {
            "accounts": accounts.list(),
            "roles": ROLES,
            "error": error,
            "created": None if error else request.query_params.get("created"),
            "cleared": not error and request.query_params.get("cleared") == "1",
            "throttled": throttled,
        },
        status_code=status_code,
    )


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    info: Admin,
    templates: Templates,
    accounts: Accounts,
    throttle: LoginThrottleDep,
):
    return _accounts_page(request, templates, accounts, throttle)


@router.post(
    "/accounts",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        username=text_field(64, "the new account's username"),
        password=text_field(1024, "its first password (changed at the first login)"),
        role={"type": "string", "enum": ["advisor", "editor", "admin"]},
    ),
)
async def create_account(
    request: Request,
    info: Admin,
    templates: Templates,
    accounts: Accounts,
    throttle: LoginThrottleDep,
) -> Response:
    form = await staff_form(request, info.csrf_token)
    username = form.get("username", "").strip()
    try:
        # The admin hands the first password over; the new member must change it at the first login.
        accounts.create(username, form.get("password", ""), form.get("role", ""), must_change_password=True)
    except AccountError as exc:
        return _accounts_page(request, templates, accounts, throttle, exc.code, 400)
    return RedirectResponse(
        f"/staff/accounts?lang={quote(staff_lang(request))}&created={quote(username)}", status_code=303
    )


@router.post("/accounts/throttle", openapi_extra=form_body(key=text_field(200, "the throttled key")))
async def clear_throttle(
    request: Request,
    info: Admin,
    throttle: LoginThrottleDep,
) -> Response:
    """The admin removes the delay of one username, address or address+username (e.g. after a colleague's typos)."""
    form = await staff_form(request, info.csrf_token)
    throttle.clear(form.get("key", "")[:200])
    return RedirectResponse(f"/staff/accounts?lang={quote(staff_lang(request))}&cleared=1", status_code=303)
