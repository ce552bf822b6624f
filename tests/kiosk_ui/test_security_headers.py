"""Every page and answer carries a CSP with frame-ancestors, nosniff, a referrer and a permissions policy."""

from __future__ import annotations

import re

import anyio
import pytest

from kiosk_ui.app import full_openapi
from kiosk_ui.deps import STAFF_COOKIE
from kiosk_ui.security_headers import STRICT_CSP
from store.accounts import AccountStore
from tests.kiosk_ui.conftest import chat_body, make_client

# A value for each path parameter, so that every GET route can be asked (most answer 404 for these).
SAMPLE_PARAMETERS = {
    "code": "AT 1",
    "reference": "ABCD-2345",
    "conversation_id": "conv-12345678",
    "intent": "greet",
}


# Live feeds (Server-Sent Events) never end; their headers are read from the start of the answer.
STREAMS = ("/staff/events", "/api/live/{conversation_id}")


def get_paths(streams: bool = False) -> list[str]:
    """Every GET route of the app (public, staff and model server) with sample path parameters."""
    paths = []
    for path, operations in full_openapi()["paths"].items():
        if "get" in operations and (path in STREAMS) == streams:
            paths.append(re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMETERS.get(m.group(1), "1"), path))
    return paths


@pytest.fixture
def staff_client(tmp_path, rasa):
    with make_client(tmp_path, rasa) as client:
        client.app.state.training_runner = False
        accounts = AccountStore(client.app.state.db_engine)
        token, _ = accounts.start_session(accounts.create("anna", "Anna-test-password-1", "admin"), hours=1)
        client.cookies.set(STAFF_COOKIE, token)
        yield client


def assert_secured(response) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in response.headers["permissions-policy"]


def test_every_get_route_is_in_the_loop():
    assert {"/", "/kiosk", "/widget/demo", "/widget.js", "/print/form/AT 1", "/staff", "/docs"} - set(get_paths()) == {
        "/docs"
    }


@pytest.mark.parametrize("path", [*get_paths(), "/docs", "/redoc", "/openapi.json", "/static/kiosk.js", "/no-such"])
def test_every_page_has_the_security_headers(staff_client, path):
    response = staff_client.get(path, follow_redirects=False)
    assert response.status_code < 500
    assert_secured(response)


def stream_headers(client, path: str) -> dict[str, str]:
    """The headers a streamed answer starts with (the stream itself is cut there)."""
    headers = [(b"host", b"testserver"), (b"accept", b"text/event-stream")]
    headers += [(b"cookie", f"{name}={value}".encode()) for name, value in client.cookies.items()]
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
        "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    started: dict[str, str] = {}

    async def run() -> None:
        async with anyio.create_task_group() as group:

            async def receive():
                await anyio.sleep_forever()

            async def send(message):
                if message["type"] == "http.response.start":
                    started.update((k.decode(), v.decode()) for k, v in message["headers"])
                    group.cancel_scope.cancel()

            group.start_soon(client.app, scope, receive, send)

    anyio.run(run)
    return started


@pytest.mark.parametrize("path", get_paths(streams=True))
def test_live_feeds_have_the_security_headers(staff_client, path):
    headers = stream_headers(staff_client, path)
    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_pages_that_load_only_from_the_app_get_the_strict_policy(staff_client):
    for path in ("/", "/kiosk", "/print/form/AT 1", "/staff", "/staff/receipts"):
        assert staff_client.get(path).headers["content-security-policy"] == STRICT_CSP, path


def test_the_widget_demo_allows_the_widgets_shadow_style_only(staff_client):
    csp = staff_client.get("/widget/demo").headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src 'self';" in csp


def test_the_widget_script_stays_loadable_from_municipality_pages(staff_client):
    response = staff_client.get("/widget.js")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["content-type"].startswith("application/javascript")


def test_refusals_and_api_answers_are_secured_too(tmp_path, rasa):
    with make_client(tmp_path, rasa) as client:
        assert_secured(client.get("/kiosk", headers={"Host": "evil.example"}))
        answer = client.post("/api/chat", json=chat_body())
        assert_secured(answer)
        assert answer.headers["cache-control"] == "no-store"


def test_hsts_only_over_https(tmp_path, rasa):
    with make_client(tmp_path, rasa) as client:
        assert "strict-transport-security" not in client.get("/").headers
        client.base_url = "https://testserver"
        assert client.get("/").headers["strict-transport-security"] == "max-age=31536000"
