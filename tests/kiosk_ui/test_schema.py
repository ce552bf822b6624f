"""Schemathesis over the whole OpenAPI (public, staff and model-server routes): no generated request gives a 500.

The app runs in-process (ASGI, no network) on a temporary SQLite database, with Rasa replaced by FakeRasa.
Every staff call carries a fresh admin session and its CSRF token, so generated staff forms get past the
sign-in and the CSRF check to the handlers' own checks. The run is bounded (a few examples per operation,
a fixed seed) so that it takes about a minute on two cores and fails the same way every time.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kiosk_ui.app import full_openapi
from kiosk_ui.deps import STAFF_COOKIE
from kiosk_ui.views.forms import CSRF_HEADER
from store.accounts import AccountStore
from store.cases import CaseStore
from tests.kiosk_ui.conftest import FakeRasa, make_client

ADMIN = "schema-admin"
PASSWORD = "Schema-test-password-1"
MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The app with an admin account, one open case and one receipt to find; no training job ever runs."""
    tmp = tmp_path_factory.mktemp("schema")
    client = make_client(
        tmp,
        FakeRasa(),
        allowed_origins=["https://www.esimerkkikunta.fi"],
    )
    client.app.state.training_runner = False
    with client:
        engine = client.app.state.db_engine
        AccountStore(engine).create(ADMIN, PASSWORD, "admin")
        CaseStore(engine=engine).create_case(
            point_id="example-point",
            conversation_id="conv-schema-0001",
            language="fi",
            channel="kiosk",
            reason="asked_for_person",
            forms=[],
            services=[],
            intents=[],
            summary="",
        )
        yield client.app


# The schema comes from the routers alone; the app it runs against is the module's fixture.
schema = schemathesis.openapi.from_dict(full_openapi())
# A live feed (Server-Sent Events) never ends by itself: its first event, the snapshot, is enough.
schema.config.max_stream_events = 1


def staff_session(app) -> tuple[str, str]:
    """A new admin session (cookie token, CSRF token): a generated logout or password change ends only its own."""
    accounts = AccountStore(app.state.db_engine)
    admin = next(a for a in accounts.list() if a.username == ADMIN)
    token, info = accounts.start_session(admin, hours=1)
    return token, info.csrf_token


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gives_a_server_error(case, api):
    headers = {}
    if case.path.startswith("/staff"):
        token, csrf = staff_session(api)
        headers = {"Cookie": f"{STAFF_COOKIE}={token}", CSRF_HEADER: csrf}
        if isinstance(case.body, dict) and "csrf_token" in case.body:
            case.body["csrf_token"] = csrf
    response = case.call(app=api, headers=headers)
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))


def test_the_schema_covers_every_route():
    """The run above reaches the staff pages and the model server too, not only /openapi.json's routes."""
    paths = full_openapi()["paths"]
    assert {
        "/api/chat",
        "/api/feedback",
        "/staff/cases/{case_id}/resolve",
        "/staff/receipts",
        "/model-server/active",
    } <= set(paths)
