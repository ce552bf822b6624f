"""The web app's status page sees the real Rasa server, action server and database as up."""

from fastapi.testclient import TestClient

from kiosk_ui.app import create_app
from kiosk_ui.settings import Settings


def test_every_part_is_up(stack):
    settings = Settings(
        rasa_url=stack.rasa_url, action_server_url=stack.action_url, app_database_url=f"sqlite:///{stack.app_db}"
    )
    # The app answers only to its allowed hosts (TrustedHostMiddleware), localhost by default.
    body = TestClient(create_app(settings), base_url="http://localhost").get("/status.json").json()
    assert body["ok"], body
    rasa = next(p for p in body["parts"] if p["name"] == "rasa")
    assert rasa["detail"] == "version 3.6.21"
