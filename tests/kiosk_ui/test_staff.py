"""Staff accounts and /staff: sessions, roles, CSRF, login rate limit, the first admin."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from kiosk_ui.app import create_app
from kiosk_ui.settings import Settings
from kiosk_ui.staff_admin import ensure_admin, register_kiosk
from store.accounts import AccountStore
from store.cases import CaseStore
from store.devices import DeviceStore

POINT = "example-point"
PASSWORD = "correct horse battery"
PAGES = ["/staff", "/staff/password", "/staff/accounts"]
FORMS = ["/staff/logout", "/staff/password", "/staff/accounts"]


def make_staff_client(tmp_path, **settings) -> TestClient:
    app = create_app(Settings(app_database_url=f"sqlite:///{tmp_path}/app.db", **settings))
    # https, so the client sends the Secure cookie back like a browser would.
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


@contextlib.contextmanager
def staff_client_with(tmp_path, accounts: dict[str, str]) -> Iterator[TestClient]:
    """A running staff client whose database has these accounts (username → role), all with PASSWORD."""
    with make_staff_client(tmp_path) as client:
        store = AccountStore(client.app.state.db_engine)
        for username, role in accounts.items():
            store.create(username, PASSWORD, role)
        yield client


@pytest.fixture
def client(tmp_path):
    with make_staff_client(tmp_path) as client:
        yield client


@pytest.fixture
def accounts(client) -> AccountStore:
    store = AccountStore(client.app.state.db_engine)
    store.create("aino", PASSWORD, "advisor")
    store.create("eero", PASSWORD, "editor")
    store.create("anna", PASSWORD, "admin")
    return store


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client: TestClient, username: str, password: str = PASSWORD):
    page = client.get("/staff/login")
    return client.post(
        "/staff/login", data={"csrf_token": csrf_of(page.text), "username": username, "password": password}
    )


def signed_in(client: TestClient, username: str) -> str:
    """Sign in and return the session's CSRF token."""
    assert login(client, username).status_code == 303
    return csrf_of(client.get("/staff/password").text)


def test_anonymous_pages_redirect_to_login_and_json_gets_401(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/staff/login")
        assert client.get(path, headers={"Accept": "application/json"}).status_code == 401
    for path in FORMS:
        response = client.post(path, data={"csrf_token": "x"})
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


def test_login_sets_http_only_strict_secure_cookie(client, accounts):
    response = login(client, "aino")
    assert response.status_code == 303 and response.headers["location"].startswith("/staff")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("staff_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie and "Path=/staff" in cookie
    page = client.get("/staff")
    assert page.status_code == 200 and "aino" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_cookie_not_secure_when_the_setting_says_plain_http(tmp_path):
    with make_staff_client(tmp_path, staff_cookie_secure=False) as client:
        AccountStore(client.app.state.db_engine).create("aino", PASSWORD, "advisor")
        cookie = next(c for c in login(client, "aino").headers.get_list("set-cookie") if c.startswith("staff_session="))
        assert "Secure" not in cookie and "HttpOnly" in cookie


def test_wrong_password_and_unknown_user_fail(client, accounts):
    for username, password in (("aino", "wrong password!!"), ("nobody", PASSWORD)):
        response = login(client, username, password)
        assert response.status_code == 401
        assert "Väärä käyttäjätunnus tai salasana." in response.text
        assert "staff_session=" not in response.headers.get("set-cookie", "")
    assert client.get("/staff").status_code == 303


def test_login_without_csrf_token_is_refused(client, accounts):
    client.get("/staff/login")
    assert client.post("/staff/login", data={"username": "aino", "password": PASSWORD}).status_code == 403
    assert (
        client.post("/staff/login", data={"csrf_token": "forged", "username": "aino", "password": PASSWORD}).status_code
        == 403
    )


def test_forms_without_csrf_token_are_refused(client, accounts):
    token = signed_in(client, "anna")
    for path in FORMS:
        assert client.post(path, data={}).status_code == 403, path
        assert client.post(path, data={"csrf_token": token + "x"}).status_code == 403, path
    # Still signed in: the refused logout did nothing.
    assert client.get("/staff").status_code == 200


def test_roles(client, accounts):
    signed_in(client, "aino")
    assert client.get("/staff").status_code == 200
    assert client.get("/staff/accounts").status_code == 403
    token = csrf_of(client.get("/staff").text)
    assert (
        client.post(
            "/staff/accounts", data={"csrf_token": token, "username": "x", "role": "admin", "password": PASSWORD}
        ).status_code
        == 403
    )
    assert [a.username for a in accounts.list()] == ["aino", "anna", "eero"]
    client.cookies.clear()
    signed_in(client, "eero")
    assert client.get("/staff").status_code == 200
    assert client.get("/staff/accounts").status_code == 403


def test_admin_creates_an_account_that_must_change_its_password(client, accounts):
    token = signed_in(client, "anna")
    assert client.get("/staff/accounts").status_code == 200
    response = client.post(
        "/staff/accounts?lang=en",
        data={"csrf_token": token, "username": "<b>ville</b>", "role": "advisor", "password": PASSWORD},
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "&lt;b&gt;ville&lt;/b&gt;" in page.text and "<b>ville" not in page.text
    assert (
        client.post(
            "/staff/accounts", data={"csrf_token": token, "username": "x", "role": "root", "password": PASSWORD}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/staff/accounts", data={"csrf_token": token, "username": "x", "role": "advisor", "password": "short"}
        ).status_code
        == 400
    )
    client.cookies.clear()
    response = login(client, "<b>ville</b>")
    assert response.headers["location"].startswith("/staff/password")
    assert client.get("/staff").headers["location"].startswith("/staff/password")


def test_passwords_are_stored_as_argon2_hashes(client, accounts):
    stored = accounts.password_hash("aino")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_rate_limit_after_five_failures(client, accounts):
    for _ in range(5):
        assert login(client, "aino", "wrong password!!").status_code == 401
    response = login(client, "aino")  # even the right password waits now
    assert response.status_code == 429
    assert "Liian monta epäonnistunutta kirjautumista" in response.text


def test_logout_ends_the_session_on_the_server(client, accounts):
    token = signed_in(client, "aino")
    cookie = client.cookies.get("staff_session")
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 303
    assert accounts.session(cookie) is None
    client.cookies.set("staff_session", cookie)
    assert client.get("/staff").status_code == 303  # the old cookie opens nothing


def test_session_token_is_hashed_in_the_database(client, accounts):
    signed_in(client, "aino")
    cookie = client.cookies.get("staff_session")
    with client.app.state.db_engine.connect() as connection:
        stored = [row[0] for row in connection.exec_driver_sql("SELECT token_hash FROM staff_sessions")]
    assert stored and cookie not in stored


def test_change_password(client, accounts):
    token = signed_in(client, "aino")
    new = "a brand new passphrase"
    assert (
        client.post(
            "/staff/password",
            data={"csrf_token": token, "current_password": "wrong", "new_password": new, "new_password_again": new},
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/staff/password",
            data={"csrf_token": token, "current_password": PASSWORD, "new_password": new, "new_password_again": new},
        ).status_code
        == 303
    )
    assert accounts.authenticate("aino", new) is not None and accounts.authenticate("aino", PASSWORD) is None


def test_cases_page_lists_pending_cases_in_the_chosen_language(client, accounts):
    CaseStore(engine=client.app.state.db_engine).create_case(
        point_id=POINT,
        conversation_id="c1",
        language="sv",
        channel="kiosk",
        reason="customer_request",
        forms=["Flytt <script>"],
    )
    signed_in(client, "aino")
    page = client.get("/staff?lang=sv")
    assert "A001" in page.text and "Flytt &lt;script&gt;" in page.text and "Kiosk" in page.text
    assert 'lang="sv"' in page.text and "Väntande kunder" in page.text


def test_ensure_admin_from_env(client):
    store = AccountStore(client.app.state.db_engine)
    out = io.StringIO()
    assert ensure_admin(store, {"STAFF_ADMIN_USER": "paakayttaja", "STAFF_ADMIN_PASSWORD": PASSWORD}, out)
    assert PASSWORD not in out.getvalue()
    assert [(a.username, a.role, a.must_change_password) for a in store.list()] == [("paakayttaja", "admin", False)]
    assert not ensure_admin(store, {"STAFF_ADMIN_USER": "toinen", "STAFF_ADMIN_PASSWORD": PASSWORD}, out)
    assert len(store.list()) == 1


def test_ensure_admin_prints_a_one_time_password_once(client):
    store = AccountStore(client.app.state.db_engine)
    first, second = io.StringIO(), io.StringIO()
    assert ensure_admin(store, {}, first)
    password = re.search(r"one-time password (\S+)", first.getvalue()).group(1)
    assert first.getvalue().count(password) == 1
    assert not ensure_admin(store, {}, second)
    assert password not in second.getvalue() and len(store.list()) == 1
    response = login(client, "admin", password)
    assert response.headers["location"].startswith("/staff/password")
    assert client.get("/staff").headers["location"].startswith("/staff/password")


def test_register_kiosk_prints_a_link_that_makes_the_browser_a_kiosk(client):
    out = io.StringIO()
    devices = DeviceStore(client.app.state.db_engine)
    url = register_kiosk(devices, "example-point", "Aula", "http://testserver/", out)
    assert url in out.getvalue() and url.startswith("http://testserver/kiosk/enrol?token=")
    secret = parse_qs(urlsplit(url).query)["token"][0]
    assert devices.identify(secret)["point_id"] == "example-point"
