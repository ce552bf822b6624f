"""/staff/devices (admin): register a kiosk, its enrolment link shown once, revoke after a confirmation."""

from __future__ import annotations

import hashlib
import re
from html import unescape

import pytest

from store.devices import DeviceStore
from tests.kiosk_ui.test_staff import csrf_of, make_staff_client, signed_in


@pytest.fixture
def client(tmp_path):
    with make_staff_client(tmp_path) as client:
        yield client


@pytest.fixture
def staff(client):
    from store.accounts import AccountStore

    accounts = AccountStore(client.app.state.db_engine)
    for name, role in (("aino", "advisor"), ("eero", "editor"), ("anna", "admin")):
        accounts.create(name, "correct horse battery", role)
    return accounts


def devices(client) -> DeviceStore:
    return DeviceStore(client.app.state.db_engine)


def enrol_link(html: str) -> str:
    return unescape(re.search(r'id="enrol-link" class="devices-link" value="([^"]+)"', html).group(1))


def register(client, token: str, name: str = "Aula, oven vieressä") -> str:
    """Register a kiosk through the page; its enrolment link."""
    response = client.post("/staff/devices?lang=fi", data={"csrf_token": token, "name": name})
    assert response.status_code == 200
    return enrol_link(response.text)


def test_only_an_admin_sees_the_page_and_the_nav_link(client, staff):
    assert client.get("/staff/devices").status_code == 303  # to the login
    for username in ("aino", "eero"):
        signed_in(client, username)
        assert client.get("/staff/devices").status_code == 403
        assert "/staff/devices" not in client.get("/staff/password").text
    signed_in(client, "anna")
    page = client.get("/staff/devices?lang=sv")
    assert page.status_code == 200 and "Kioskenheter" in page.text
    assert 'href="/staff/devices?lang=sv" aria-current="page">Kiosker<' in page.text


def test_register_shows_the_enrolment_link_once_and_stores_only_a_hash(client, staff):
    token = signed_in(client, "anna")
    link = register(client, token)
    assert link.startswith("https://testserver/kiosk/enrol?token=")
    secret = link.split("token=", 1)[1]
    (device,) = devices(client).list()
    assert (device["name"], device["point_id"], device["created_by"]) == (
        "Aula, oven vieressä",
        "example-point",
        "anna",
    )
    assert devices(client).identify(secret)["id"] == device["id"]
    # Once: the list shows the kiosk, never its secret or hash again.
    page = client.get("/staff/devices?lang=fi").text
    assert "Aula, oven vieressä" in page and secret not in page
    assert hashlib.sha256(secret.encode()).hexdigest() not in page


@pytest.mark.parametrize("name", ["", "  \x00 ", "x" * 81])
def test_a_kiosk_needs_a_name(client, staff, name):
    token = signed_in(client, "anna")
    response = client.post("/staff/devices?lang=en", data={"csrf_token": token, "name": name})
    assert response.status_code == 400 and "at most 80 characters" in response.text
    assert devices(client).list() == []


def test_every_post_needs_the_csrf_token_and_the_admin_role(client, staff):
    signed_in(client, "anna")
    assert client.post("/staff/devices", data={"name": "Aula"}).status_code == 403
    assert client.post("/staff/devices", data={"name": "Aula", "csrf_token": "wrong"}).status_code == 403
    assert devices(client).list() == []
    device, _ = devices(client).register("example-point", "Aula", "anna")
    assert client.post(f"/staff/devices/{device['id']}/revoke", data={"csrf_token": "wrong"}).status_code == 403
    token = signed_in(client, "aino")
    assert client.post(f"/staff/devices/{device['id']}/revoke", data={"csrf_token": token}).status_code == 403
    assert client.post("/staff/devices", data={"csrf_token": token, "name": "Aula"}).status_code == 403
    assert devices(client).get(device["id"])["revoked_at"] is None


def test_revoke_asks_first_then_the_device_is_a_web_client(client, staff):
    token = signed_in(client, "anna")
    secret = register(client, token, "Aula").split("token=", 1)[1]
    (device,) = devices(client).list()
    confirm = client.get(f"/staff/devices/{device['id']}/revoke?lang=en")
    assert confirm.status_code == 200 and "Revoke the kiosk?" in confirm.text
    assert devices(client).get(device["id"])["revoked_at"] is None  # asking changes nothing
    form_token = csrf_of(confirm.text)
    done = client.post(f"/staff/devices/{device['id']}/revoke?lang=en", data={"csrf_token": form_token})
    assert done.status_code == 303 and done.headers["location"] == f"/staff/devices?lang=en&revoked={device['id']}"
    page = client.get(done.headers["location"]).text
    assert 'The kiosk "Aula" was revoked.' in unescape(page) and "Revoked " in page
    assert devices(client).identify(secret) is None


@pytest.mark.parametrize("device_id", ["0", "9999", str(2**63), str(2**64), "x"])
def test_unknown_or_absurd_ids_are_4xx(client, staff, device_id):
    token = signed_in(client, "anna")
    assert 400 <= client.get(f"/staff/devices/{device_id}/revoke").status_code < 500
    assert 400 <= client.post(f"/staff/devices/{device_id}/revoke", data={"csrf_token": token}).status_code < 500
    assert client.get(f"/staff/devices?revoked={device_id}").status_code == 200
