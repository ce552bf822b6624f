"""Every staff route, found from the app itself, refuses anonymous callers, the wrong role and forms without CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from store.accounts import AccountStore
from store.cases import CaseStore
from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in

POINT = "example-point"
PUBLIC = {"/staff/login"}
ADMIN_ONLY = re.compile(r"^/staff/(accounts|statistics|devices)")


def api_routes(routes) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI includes them lazily; we add no include prefixes)."""
    found = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        found += api_routes(inner.routes) if inner is not None else [route] if isinstance(route, APIRoute) else []
    return found


def staff_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every staff route but the login, path parameters filled with 1."""
    found = []
    for route in api_routes(app.routes):
        if route.path.startswith("/staff") and route.path not in PUBLIC:
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    # Module-scoped, so built before conftest's per-test ALLOWED_HOSTS: TestClient's host name given here.
    with make_staff_client(tmp_path_factory.mktemp("access"), allowed_hosts=["testserver"]) as client:
        accounts = AccountStore(client.app.state.db_engine)
        for name, role in (("aino", "advisor"), ("eero", "editor"), ("anna", "admin")):
            accounts.create(name, PASSWORD, role)
        CaseStore(engine=client.app.state.db_engine).create_case(
            point_id=POINT, conversation_id="conv-access-1", language="fi", channel="kiosk", reason="customer_request"
        )
        yield client


def call(client, method: str, path: str, **kwargs):
    return client.request(method, path, **({"data": {}} if method == "POST" else {}), **kwargs)


def test_the_app_has_the_staff_routes_this_test_is_about(client):
    routes = staff_routes(client.app)
    assert ("GET", "/staff") in routes and ("POST", "/staff/logout") in routes
    assert len(routes) >= 10, routes


def test_anonymous_callers_go_to_the_login_or_get_401(client):
    client.cookies.clear()
    for method, path in staff_routes(client.app):
        page = call(client, method, path)
        assert page.status_code == 303 and page.headers["location"].startswith("/staff/login"), (method, path)
        api = call(client, method, path, headers={"Accept": "application/json"})
        assert api.status_code == 401, (method, path)


@pytest.mark.parametrize("username", ["aino", "eero"])
def test_admin_routes_refuse_other_roles(client, username):
    client.cookies.clear()
    token = signed_in(client, username)
    admin_routes = [(m, p) for m, p in staff_routes(client.app) if ADMIN_ONLY.match(p)]
    assert admin_routes
    for method, path in admin_routes:
        data = {"csrf_token": token} if method == "POST" else None
        response = client.request(method, path, data=data)
        assert response.status_code == 403, (method, path)


def test_every_form_refuses_a_missing_or_wrong_csrf_token(client):
    client.cookies.clear()
    token = signed_in(client, "anna")
    posts = [path for method, path in staff_routes(client.app) if method == "POST"]
    assert len(posts) >= 5, posts
    for path in posts:
        assert client.post(path, data={}).status_code == 403, path
        assert client.post(path, data={"csrf_token": token[:-1] + "x"}).status_code == 403, path
    assert client.get("/staff/password").status_code == 200  # still signed in: nothing was done
