"""Staff login throttling on /staff/login: growing delays with Retry-After, device cookies, the admin's notice."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kiosk_ui.deps import get_login_throttle, login_throttle_config
from kiosk_ui.routers.staff import DEVICE_COOKIE
from kiosk_ui.settings import Settings
from store.accounts import AccountStore
from store.login_throttle import LoginDevice, LoginThrottleStore, token_hash
from tests.conftest import Clock
from tests.kiosk_ui.test_staff import PASSWORD, csrf_of, login, make_staff_client

WRONG = "wrong password!!"


@pytest.fixture
def client(tmp_path, clock):
    with make_staff_client(tmp_path) as client:
        app = client.app
        config = login_throttle_config(app.state.settings)
        app.dependency_overrides[get_login_throttle] = lambda: LoginThrottleStore(app.state.db_engine, config, clock)
        accounts = AccountStore(app.state.db_engine)
        for name, role in (("aino", "advisor"), ("eero", "editor"), ("anna", "admin")):
            accounts.create(name, PASSWORD, role)
        yield client


def browser(client: TestClient, address: str = "testclient") -> TestClient:
    """Another browser on the same app, from this address."""
    return TestClient(client.app, base_url="https://testserver", follow_redirects=False, client=(address, 50000))


def failures(client: TestClient, clock: Clock, count: int, username: str = "aino", **kwargs) -> None:
    """Wrong passwords that each reach the password check, waiting out every delay like a patient attacker."""
    for _ in range(count):
        while (response := login(client, username, WRONG, **kwargs)).status_code == 429:
            clock.advance(int(response.headers["retry-after"]))
        assert response.status_code == 401


def attack(client: TestClient, clock: Clock, count: int, username: str = "aino", address: str = "testclient") -> None:
    """Failures as the login route counts them (reserved before the password check), without hashing each
    wrong password: quicker than `failures` for an attacker's many attempts."""
    throttle = client.app.dependency_overrides[get_login_throttle]()
    for _ in range(count):
        while wait := throttle.begin(username, address, None).retry_after:
            clock.advance(wait)


def test_a_throttled_attempt_answers_429_with_retry_after_without_checking_the_password(client, clock, monkeypatch):
    failures(client, clock, 5)
    checked = []
    original = AccountStore.authenticate
    monkeypatch.setattr(AccountStore, "authenticate", lambda self, *a: checked.append(a) or original(self, *a))
    response = login(client, "aino")  # the right password, but too soon
    assert response.status_code == 429 and checked == []
    assert response.headers["retry-after"] == "1"
    assert "Liian monta epäonnistunutta kirjautumista. Voit yrittää uudelleen 1 sekunnin kuluttua." in response.text
    clock.advance(1)
    assert login(client, "aino").status_code == 303 and len(checked) == 1


def test_the_delay_grows_and_the_message_is_in_the_pages_language(client, clock):
    failures(client, clock, 5)
    waits = []
    for _ in range(6):
        response = client.post(
            "/staff/login?lang=sv",
            data={"csrf_token": csrf_of(client.get("/staff/login").text), "username": "aino", "password": WRONG},
        )
        assert response.status_code == 429
        waits.append(int(response.headers["retry-after"]))
        assert f"Du kan försöka igen om {waits[-1]} sek." in response.text
        clock.advance(waits[-1])
        assert login(client, "aino", WRONG).status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32]
    failures(client, clock, 2)
    response = client.post(
        "/staff/login?lang=en",
        data={"csrf_token": csrf_of(client.get("/staff/login").text), "username": "aino", "password": WRONG},
    )
    # From one address, the address+username delay goes on growing past the username's (capped at 40 s).
    assert int(response.headers["retry-after"]) == 256 and "You can try again in 5 min." in response.text
    failures(client, clock, 1)
    assert login(client, "aino").headers["retry-after"] == "300"  # capped


def test_an_attacker_at_her_address_cannot_keep_aino_out_of_her_own_browser(client, clock):
    aino = browser(client)
    assert login(aino, "aino").status_code == 303
    device = aino.cookies.get(DEVICE_COOKIE)
    assert device
    aino.cookies.delete("staff_session", path="/staff")  # signed out, the device cookie stays
    attacker = browser(client)  # the same address ("testclient"), no device cookie
    failures(attacker, clock, 2)
    attack(client, clock, 20)  # past the address's 20 free failures
    assert login(attacker, "aino").status_code == 429
    assert login(aino, "aino").status_code == 303  # at once, though username and address are throttled
    assert aino.cookies.get(DEVICE_COOKIE) != device  # a new token for the next time


def test_the_device_cookie_is_httponly_strict_for_the_login_form_only_and_stored_hashed(client):
    response = login(client, "aino")
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(DEVICE_COOKIE + "="))
    assert all(part in header for part in ("HttpOnly", "Secure", "SameSite=strict", "Path=/staff/login"))
    token = client.cookies.get(DEVICE_COOKIE)
    with Session(client.app.state.db_engine) as session:
        row = session.get(LoginDevice, token_hash(token))
        assert row is not None and row.username == "aino"
        assert session.get(LoginDevice, token) is None


def test_a_colleague_at_the_attackers_address_waits_at_most_the_address_delay(client, clock):
    attacker = browser(client, "192.0.2.50")
    failures(attacker, clock, 1, "user0")
    for n in range(1, 22):  # many usernames from one address, past its 20 free failures
        attack(client, clock, 1, f"user{n}", "192.0.2.50")
    eero = browser(client, "192.0.2.50")
    response = login(eero, "eero")
    wait = int(response.headers["retry-after"])
    assert response.status_code == 429 and 0 < wait <= client.app.state.settings.staff_login_address_max_delay_seconds
    clock.advance(wait)
    assert login(eero, "eero").status_code == 303
    assert login(browser(client, "192.0.2.99"), "eero").status_code == 303  # other addresses never waited


def test_the_admin_sees_the_throttled_username_and_address_and_clears_them(client, clock):
    admin = browser(client, "192.0.2.1")
    assert login(admin, "anna").status_code == 303
    page = admin.get("/staff/accounts")
    assert "Mitään ei hidasteta nyt." in page.text
    attacker = browser(client, "198.51.100.7")
    failures(attacker, clock, 2)
    attack(client, clock, 20, address="198.51.100.7")
    page = admin.get("/staff/accounts")
    assert "Hidastetut kirjautumiset" in page.text
    assert "Käyttäjätunnus: aino" in page.text and "Osoite: 198.51.100.7" in page.text
    assert "Osoite ja käyttäjätunnus: 198.51.100.7 · aino" in page.text
    assert "<td>22</td>" in page.text
    csrf = csrf_of(page.text)
    assert admin.post("/staff/accounts/throttle", data={"key": "user:aino"}).status_code == 403  # no CSRF token
    for key in ("user:aino", "address:198.51.100.7", "pair:198.51.100.7|aino"):
        response = admin.post("/staff/accounts/throttle", data={"csrf_token": csrf, "key": key})
        assert response.status_code == 303 and "cleared=1" in response.headers["location"]
    page = admin.get(response.headers["location"])
    assert "Hidastus poistettu." in page.text and "Mitään ei hidasteta nyt." in page.text
    assert login(attacker, "aino").status_code == 303


def test_an_advisor_cannot_clear_a_throttle(client, clock):
    aino = browser(client, "192.0.2.2")
    assert login(aino, "aino").status_code == 303
    csrf = csrf_of(aino.get("/staff/password").text)
    assert aino.post("/staff/accounts/throttle", data={"csrf_token": csrf, "key": "user:eero"}).status_code == 403


def test_settings_refuse_a_username_throttle_that_lets_more_than_100_failures_an_hour_through():
    assert Settings().staff_login_user_max_delay_seconds == 40
    with pytest.raises(ValidationError, match="100 failed logins an hour"):
        Settings(staff_login_user_max_delay_seconds=30)
    with pytest.raises(ValidationError, match="100 failed logins an hour"):
        Settings(staff_login_free_failures=20)
