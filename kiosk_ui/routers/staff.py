"""Staff pages (/staff): login, logout, own password, accounts (the dashboard is in staff_cases.py).

Sessions live in the database (the cookie holds a random token); every form carries a CSRF token
(the session's, or before login a cookie's) compared in constant time; failed logins are limited
per client address and per username.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kiosk_ui.deps import (
    STAFF_COOKIE,
    client_address,
    csrf_matches,
    get_account_store,
    get_rate_limiter,
    get_settings,
    get_templates,
    get_texts,
    require_role,
    staff_lang,
)
from kiosk_ui.ratelimit import RateLimited, RateLimiter
from kiosk_ui.settings import Settings
from kiosk_ui.texts import Texts
from store.accounts import ROLES, AccountError, AccountStore, SessionInfo

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
LOGIN_CSRF_COOKIE = "staff_login_csrf"


def _page(
    request: Request, templates: Jinja2Templates, texts: Texts, name: str, status_code: int = 200, **context
) -> HTMLResponse:
    lang = staff_lang(request)
    return templates.TemplateResponse(
        request,
        name,
        {"lang": lang, "t": texts(lang)["staff"], "path": request.url.path, **context},
        status_code=status_code,
    )


def _see_other(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?lang={quote(staff_lang(request))}", status_code=303)


def _cookie(response: Response, settings: Settings, name: str, value: str, max_age: int, path: str) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="strict", secure=settings.staff_cookie_secure
    )


async def _form(request: Request, expected_csrf: str | None) -> dict:
    """The posted form, or 403 when its CSRF token is missing or wrong."""
    form = await request.form()
    if not csrf_matches(expected_csrf, form.get("csrf_token")):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return {key: value for key, value in form.items() if isinstance(value, str)}


# Login and logout


def _login_page(
    request, templates, texts, settings, error: str | None = None, status_code: int = 200, username: str = ""
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = _page(
        request, templates, texts, "staff_login.html", status_code, csrf_token=token, error=error, username=username
    )
    _cookie(response, settings, LOGIN_CSRF_COOKIE, token, 3600, "/staff/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    return _login_page(request, templates, texts, settings)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    settings: Settings = Depends(get_settings),
    accounts: AccountStore = Depends(get_account_store),
    limiter: RateLimiter = Depends(get_rate_limiter),
) -> Response:
    form = await _form(request, request.cookies.get(LOGIN_CSRF_COOKIE))
    username = form.get("username", "").strip()[:64]
    password = form.get("password", "")[:1024]
    rule = settings.staff_login_rate_limit
    keys = (("staff-login-address", client_address(request)), ("staff-login-user", username.lower()))
    if not all(limiter.allowed(rule, *key) for key in keys):
        return _login_page(request, templates, texts, settings, "rate_limited", 429, username)
    account = accounts.authenticate(username, password)
    if account is None:
        for key in keys:
            try:
                limiter.hit(rule, *key)
            except RateLimited:
                pass  # already at the limit; the next attempt is refused above
        return _login_page(request, templates, texts, settings, "login_failed", 401, username)
    token, _ = accounts.start_session(account, settings.staff_session_hours)
    response = _see_other(request, "/staff/password" if account.must_change_password else "/staff")
    _cookie(response, settings, STAFF_COOKIE, token, int(settings.staff_session_hours * 3600), "/staff")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff/login")
    return response


@router.post("/logout")
async def logout(
    request: Request,
    info: SessionInfo = Depends(require_role("advisor", allow_password_change=True)),
    accounts: AccountStore = Depends(get_account_store),
) -> Response:
    await _form(request, info.csrf_token)
    accounts.end_session(request.cookies.get(STAFF_COOKIE))
    response = _see_other(request, "/staff/login")
    response.delete_cookie(STAFF_COOKIE, path="/staff")
    return response


# Own password


@router.get("/password", response_class=HTMLResponse)
def password_form(
    request: Request,
    info: SessionInfo = Depends(require_role("advisor", allow_password_change=True)),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
):
    return _page(request, templates, texts, "staff_password.html", info=info, error=None)


@router.post("/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    info: SessionInfo = Depends(require_role("advisor", allow_password_change=True)),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    accounts: AccountStore = Depends(get_account_store),
) -> Response:
    form = await _form(request, info.csrf_token)
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
        return _page(request, templates, texts, "staff_password.html", 400, info=info, error=error)
    # Other browsers signed in with the old password are signed out.
    accounts.end_other_sessions(info.account.id, request.cookies.get(STAFF_COOKIE, ""))
    return _see_other(request, "/staff")


# The advisor's dashboard (GET /staff) lives in kiosk_ui/routers/staff_cases.py.


# Accounts (admin)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    info: SessionInfo = Depends(require_role("admin")),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    accounts: AccountStore = Depends(get_account_store),
):
    return _page(
        request,
        templates,
        texts,
        "staff_accounts.html",
        info=info,
        accounts=accounts.list(),
        roles=ROLES,
        error=None,
        created=request.query_params.get("created"),
    )


@router.post("/accounts", response_class=HTMLResponse)
async def create_account(
    request: Request,
    info: SessionInfo = Depends(require_role("admin")),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    accounts: AccountStore = Depends(get_account_store),
) -> Response:
    form = await _form(request, info.csrf_token)
    username = form.get("username", "").strip()
    try:
        # The admin hands the first password over; the new member must change it at the first login.
        accounts.create(username, form.get("password", ""), form.get("role", ""), must_change_password=True)
    except AccountError as exc:
        return _page(
            request,
            templates,
            texts,
            "staff_accounts.html",
            400,
            info=info,
            accounts=accounts.list(),
            roles=ROLES,
            error=exc.code,
            created=None,
        )
    return RedirectResponse(
        f"/staff/accounts?lang={quote(staff_lang(request))}&created={quote(username)}", status_code=303
    )
