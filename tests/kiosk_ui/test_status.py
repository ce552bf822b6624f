"""The status page tells which parts are up, and the app refuses bad settings at start-up."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from kiosk_ui.app import create_app
from kiosk_ui.settings import Settings


@pytest.fixture
def client(tmp_path):
    # Nothing listens on port 9 (discard): Rasa and the action server count as down.
    settings = Settings(
        rasa_url="http://127.0.0.1:9",
        action_server_url="http://127.0.0.1:9",
        app_database_url=f"sqlite:///{tmp_path}/app.db",
        status_timeout_seconds=0.5,
    )
    return TestClient(create_app(settings))


def test_status_json_reports_each_part(client):
    body = client.get("/status.json").json()
    parts = {p["name"]: p["up"] for p in body["parts"]}
    assert parts == {"rasa": False, "action_server": False, "database": True, "catalogue": True}
    assert body["ok"] is False


def test_status_page_renders_in_three_languages(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Järjestelmän tila" in page.text and "Systemets status" in page.text and "System status" in page.text


def test_bad_settings_stop_the_app():
    with pytest.raises(ValidationError):
        Settings(rasa_url="not a url")
    with pytest.raises(ValidationError):
        Settings(status_timeout_seconds=0)


def test_templates_escape_html():
    from kiosk_ui.deps import make_templates

    template = make_templates().env.from_string("{{ x }}")
    assert template.render(x="<script>") == "&lt;script&gt;"
