"""A web app on a temporary database, with Rasa replaced by an httpx MockTransport."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from kiosk_ui.app import create_app
from kiosk_ui.deps import DEVICE_COOKIE, get_rasa_client
from kiosk_ui.settings import Settings
from store.devices import DeviceStore

POINT = "example-point"


class FakeRasa:
    """Answers like Rasa's REST channel and remembers every request; `down` makes it refuse."""

    def __init__(self):
        self.requests: list[dict] = []
        self.down = False
        self.status = 200
        self.reply: list[dict] = [{"recipient_id": "x", "text": "Hei!"}]

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        self.requests.append({"url": str(request.url), "body": json.loads(request.content)})
        return httpx.Response(self.status, json=self.reply)


def make_client(tmp_path, rasa: FakeRasa, **settings) -> TestClient:
    # The model bank's files go to the test's folder too (the app adopts the repository model on start).
    settings.setdefault("model_bank_dir", tmp_path / "models")
    # Feedback looks for the conversation's matter in Rasa's tracker store: the test's own (none by default).
    settings.setdefault("tracker_store_url", f"sqlite:///{tmp_path}/tracker.db")
    settings.setdefault("allowed_hosts", ["testserver"])  # TestClient's host name
    app = create_app(
        Settings(app_database_url=f"sqlite:///{tmp_path}/app.db", rasa_url="http://rasa.test:5005", **settings)
    )

    async def fake_client():
        async with httpx.AsyncClient(transport=httpx.MockTransport(rasa.handle)) as client:
            yield client

    app.dependency_overrides[get_rasa_client] = fake_client
    return TestClient(app)


@pytest.fixture(autouse=True)
def allowed_hosts(monkeypatch):
    """Apps built from Settings() here answer TestClient's "testserver" and the local uvicorn servers."""
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(tmp_path, rasa) -> TestClient:
    with make_client(tmp_path, rasa, allowed_origins=["https://www.esimerkkikunta.fi"]) as client:
        yield client


def register_kiosk(client: TestClient, name: str = "Lobby") -> str:
    """Register a kiosk device at the point and give the client its cookie, as an enrolled kiosk has; the secret."""
    _, secret = DeviceStore(client.app.state.db_engine).register(POINT, name, "admin")
    client.cookies.set(DEVICE_COOKIE, secret)
    return secret


@pytest.fixture
def kiosk_device(client) -> str:
    """The test client is a registered kiosk (only a device's cookie makes a request channel "kiosk")."""
    return register_kiosk(client)


def chat_body(**overrides) -> dict:
    body = {"conversation_id": "conv-12345678", "message": "Hei", "channel": "kiosk", "point": POINT}
    body.update(overrides)
    return body
