"""No 500 for any input: undecodable bodies, lone surrogates, ids past 2**63, foreign hosts and forged origins."""

from __future__ import annotations

import json

import pytest

from kiosk_ui.app import full_openapi
from kiosk_ui.deps import STAFF_COOKIE
from kiosk_ui.errors import accept_language
from kiosk_ui.views.forms import CSRF_HEADER
from store.accounts import AccountStore
from tests.kiosk_ui.conftest import POINT, chat_body, make_client

FEEDBACK = {
    "conversation_id": "conv-12345678",
    "point": POINT,
    "channel": "kiosk",
    "language": "fi",
    "authority": "kela",
    "rating": 4,
    "text": "X",
}


def with_lone_surrogate(body: dict, field: str) -> bytes:
    """The body as JSON with the field's value replaced by the escape of a lone surrogate."""
    return json.dumps({**body, field: "LONE"}).replace('"LONE"', '"\\ud800"').encode("ascii")


def post_json(client, path: str, content: bytes, **headers):
    return client.post(path, content=content, headers={"Content-Type": "application/json", **headers})


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/chat", chat_body(ui_language="sv"), "message"),
        ("/api/feedback", {**FEEDBACK, "language": "sv"}, "text"),
        ("/api/handoff", {"conversation_id": "conv-12345678", "point": POINT, "language": "sv"}, "reason"),
    ],
)
def test_a_lone_surrogate_is_422_in_the_callers_language_and_stores_nothing(client, rasa, path, body, field):
    response = post_json(client, path, with_lone_surrogate(body, field))
    assert response.status_code == 422
    assert response.json()["message"] == "Meddelandet har tecken som inte kan behandlas. Skriv meddelandet på nytt."
    assert rasa.requests == []


def test_a_surrogate_pair_is_one_character_and_fine(client, rasa):
    content = json.dumps(chat_body(message="LONE")).replace('"LONE"', '"hei \\ud83d\\ude00"').encode("ascii")
    assert post_json(client, "/api/chat", content).status_code == 200
    assert rasa.requests[-1]["body"]["message"].startswith("hei")


def test_invalid_utf8_and_broken_json_are_4xx_with_a_message(client):
    bad_bytes = post_json(client, "/api/chat", b'{"message": "\xff"}', **{"Accept-Language": "en-GB,en;q=0.9"})
    assert bad_bytes.status_code == 400
    assert bad_bytes.json()["message"] == "The request could not be read. Check the text and try again."
    broken = post_json(client, "/api/feedback", b'{"rating": ')
    assert broken.status_code == 422 and broken.json()["message"].startswith("Pyynnössä on")


def test_validation_errors_never_echo_the_input(client):
    response = client.post("/api/chat", json=chat_body(conversation_id="040 123 4567 secret", ui_language="en"))
    assert response.status_code == 422
    assert "secret" not in response.text and "input" not in response.json()["detail"][0]
    assert response.json()["message"] == "The request has a missing or wrong value."


def test_a_routes_own_422_has_the_validation_error_shape(client):
    response = client.post("/api/chat", json=chat_body(point="elsewhere", ui_language="fi"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"] and "message" in response.json()


def test_accept_language_picks_the_best_of_ours():
    assert accept_language("de-DE,de;q=0.9,sv;q=0.8,en;q=0.7") == "sv"
    assert accept_language("en;q=0.5, fi-FI") == "fi"
    assert accept_language("de, fr;q=0.5") is None
    assert accept_language("sv;q=abc, en;q=0") is None
    assert accept_language(None) is None


def signed_in_admin(client) -> dict[str, str]:
    accounts = AccountStore(client.app.state.db_engine)
    admin = accounts.create("anna", "Anna-test-password-1", "admin")
    token, info = accounts.start_session(admin, hours=1)
    return {"Cookie": f"{STAFF_COOKIE}={token}", CSRF_HEADER: info.csrf_token}


def id_routes() -> list[tuple[str, str, str]]:
    """(method, path, id parameter) of every route with an integer id in its path."""
    routes = []
    for path, operations in full_openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    routes.append((method.upper(), path, parameter["name"]))
    return routes


def test_the_six_staff_routes_of_the_issue_take_integer_ids():
    paths = {path for _, path, _ in id_routes()}
    assert {
        "/staff/cases/{case_id}",
        "/staff/receipts/{receipt_id}/print",
        "/staff/training/history/{change_id}/revert",
        "/staff/training/evaluation-set/{item_id}/remove",
        "/staff/training/models/{model_id}",
        "/staff/devices/{device_id}/revoke",
    } <= paths


@pytest.mark.parametrize(("method", "path", "name"), id_routes())
def test_an_id_past_2_63_is_refused_not_a_server_error(tmp_path, rasa, method, path, name):
    with make_client(tmp_path, rasa) as client:
        headers = signed_in_admin(client)
        for value in (2**63, 10**30, 0, -1):
            response = client.request(method, path.replace(f"{{{name}}}", str(value)), headers=headers)
            assert response.status_code == 422, (value, response.status_code, response.text[:200])
        # The largest id the database can hold is simply not found (or the page says so).
        response = client.request(method, path.replace(f"{{{name}}}", str(2**63 - 1)), headers=headers)
        assert response.status_code < 500


def test_a_host_not_in_allowed_hosts_is_400(tmp_path, rasa):
    with make_client(tmp_path, rasa, allowed_hosts=["kiosk.esimerkkikunta.fi"]) as client:
        assert client.get("/kiosk", headers={"Host": "kiosk.esimerkkikunta.fi"}).status_code == 200
        assert client.get("/kiosk", headers={"Host": "evil.example"}).status_code == 400
        assert client.post("/api/chat", json=chat_body(), headers={"Host": "evil.example"}).status_code == 400
    assert rasa.requests == []


def test_a_forged_host_does_not_make_its_origin_our_own(tmp_path, rasa):
    # Even with the host check off ("*"), the origin check believes only ALLOWED_ORIGINS and named hosts.
    with make_client(tmp_path, rasa, allowed_hosts=["*"], allowed_origins=["https://www.esimerkkikunta.fi"]) as client:
        forged = {"Host": "evil.example", "Origin": "http://evil.example"}
        assert client.post("/api/chat", json=chat_body(), headers=forged).status_code == 403
        allowed = {"Host": "evil.example", "Origin": "https://www.esimerkkikunta.fi"}
        assert client.post("/api/chat", json=chat_body(), headers=allowed).status_code == 200


def test_the_apps_own_host_names_are_same_origin(tmp_path, rasa):
    with make_client(tmp_path, rasa, allowed_hosts=["testserver", "*.esimerkkikunta.fi"]) as client:
        for origin in ("http://testserver", "https://kiosk.esimerkkikunta.fi"):
            assert client.post("/api/chat", json=chat_body(), headers={"Origin": origin}).status_code == 200
        for origin in ("https://esimerkkikunta.fi.evil.example", "null", "https://evil.example"):
            assert client.post("/api/chat", json=chat_body(), headers={"Origin": origin}).status_code == 403


@pytest.mark.parametrize(
    ("lang", "title", "role", "home"),
    [
        ("fi", "Ei käyttöoikeutta", "Sisällön ylläpitäjä", "Etusivulle"),
        ("sv", "Ingen behörighet", "Innehållsredaktör", "Till startsidan"),
        ("en", "Not allowed", "Content editor", "To the front page"),
    ],
)
def test_a_staff_page_refused_for_the_role_is_a_page_in_the_staff_language_with_a_way_back(
    tmp_path, lang, title, role, home
):
    """An editor opening Statistics reads why, in their language, with links back; fetch and JSON keep the JSON."""
    from store.accounts import AccountStore
    from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in

    with make_staff_client(tmp_path) as client:
        AccountStore(client.app.state.db_engine).create("eero", PASSWORD, "editor")
        signed_in(client, "eero")
        browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        page = client.get(f"/staff/statistics?lang={lang}", headers=browser)
        assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in page.text and f'<h1 id="refused-heading">{title}</h1>' in page.text
        assert home in page.text
        assert f'href="/staff?lang={lang}"' in page.text and "not allowed for your role" not in page.text
        assert f"({role})" in page.text
        for headers in ({"Accept": "application/json"}, {"Accept": "*/*"}):
            refused = client.get(f"/staff/statistics?lang={lang}", headers=headers)
            assert refused.status_code == 403 and refused.json() == {"detail": "not allowed for your role"}


def test_a_staff_form_with_an_expired_token_is_a_page_that_says_to_reload(tmp_path):
    """A CSRF refusal from a browser tells to reload; nothing was done."""
    from store.accounts import AccountStore
    from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in

    with make_staff_client(tmp_path) as client:
        AccountStore(client.app.state.db_engine).create("aino", PASSWORD, "advisor")
        signed_in(client, "aino")
        page = client.post("/staff/remote/open?lang=en", data={"csrf_token": "x"}, headers={"Accept": "text/html"})
        assert page.status_code == 403 and "The form has expired" in page.text and 'href="/staff?lang=en"' in page.text
