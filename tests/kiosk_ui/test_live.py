"""GET /api/live/{conversation_id}: the customer's feed of their case, over a real uvicorn server."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time

import fastapi.routing
import httpx
import pytest
import uvicorn

from kiosk_ui.app import create_app
from kiosk_ui.settings import Settings
from store.cases import CaseStore
from tests.kiosk_ui.conftest import POINT

ALLOWED = "https://www.esimerkkikunta.fi"
CONVERSATION = "live-conv-0001"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app under uvicorn on a free port; yields (base URL, case store on the same database)."""
    # Frequent keep-alive pings let a test's reader notice it should hang up.
    patch = pytest.MonkeyPatch()
    patch.setattr(fastapi.routing, "_PING_INTERVAL", 0.3)
    db = tmp_path_factory.mktemp("live") / "app.db"
    app = create_app(
        Settings(app_database_url=f"sqlite:///{db}", rasa_url="http://rasa.test:5005", allowed_origins=[ALLOWED])
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}", CaseStore(engine=app.state.db_engine)
    server.should_exit = True
    thread.join(10)
    patch.undo()


class Feed:
    """Reads one SSE stream in a thread; events land in a queue as (event, id, data)."""

    def __init__(self, url: str, headers: dict | None = None):
        self.events: queue.Queue = queue.Queue()
        self.status_code: int | None = None
        self.ready = threading.Event()
        self.closed = threading.Event()
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=30))
        self._thread = threading.Thread(target=self._run, args=(url, headers or {}), daemon=True)
        self._thread.start()
        assert self.ready.wait(10)

    def _run(self, url, headers):
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self.status_code = response.status_code
                self.headers = response.headers
                self.ready.set()
                event = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        break
                    if not line:
                        if "data" in event:
                            self.events.put((event.get("event"), event.get("id"), json.loads(event["data"])))
                        event = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(": ")
                        event[name] = value
        except Exception:
            pass
        finally:
            self.ready.set()
            self.closed.set()

    def next(self, timeout: float = 5):
        return self.events.get(timeout=timeout)

    def until(self, kind: str, timeout: float = 5):
        """The next event of this kind; the ones before it are returned too."""
        seen = []
        while True:
            item = self.next(timeout)
            seen.append(item)
            if item[0] == kind:
                return item, seen

    def close(self):
        """Hang up, as a page does when it goes away."""
        self._stop.set()  # seen at the next keep-alive ping at the latest
        self._thread.join(5)
        self._client.close()


def new_case(cases: CaseStore, conversation_id: str) -> dict:
    return cases.create_case(
        point_id=POINT,
        conversation_id=conversation_id,
        language="fi",
        channel="kiosk",
        reason="customer_request",
        services=[],
        forms=[],
        intents=[],
        summary="",
    )


def test_status_queue_messages_and_end(server):
    base, cases = server
    first = new_case(cases, "live-first-0001")
    case = new_case(cases, CONVERSATION)
    feed = Feed(f"{base}/api/live/{CONVERSATION}")
    try:
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/event-stream")
        assert feed.headers["cache-control"] == "no-store"
        event, event_id, data = feed.next()
        assert event == "status" and data == {
            "ticket": case["ticket"],
            "status": "pending",
            "ahead": 1,
            "taken_over": False,
        }
        assert int(event_id) >= 1
        # The one before is claimed: this customer is next.
        cases.claim(first["id"], "maija")
        assert feed.next()[2]["ahead"] == 0
        cases.take_over(case["id"], "ville.virkailija")
        assert feed.next()[2] == {"ticket": case["ticket"], "status": "claimed", "ahead": 0, "taken_over": True}
        started = time.monotonic()
        cases.add_message(case["id"], "ville.virkailija", "Hei, olen palveluneuvoja. Miten voin auttaa?")
        event, message_id, data = feed.next()
        assert time.monotonic() - started < 1.5
        assert event == "message" and data == {
            "id": int(message_id),
            "from": "advisor",
            "text": "Hei, olen palveluneuvoja. Miten voin auttaa?",
        }
        cases.add_message(case["id"], "customer", "Kiitos")  # the customer's own line is not echoed back
        cases.hand_back(case["id"], "ville.virkailija")
        event, _, data = feed.next()
        assert event == "status" and data["taken_over"] is False and data["status"] == "claimed"
        cases.resolve(case["id"], "ville.virkailija", "helped", authority="kela", category="feedback")
        (_, _, data), seen = feed.until("ended")
        assert data == {"authority": "kela"}
        assert [kind for kind, _, _ in seen] == ["status", "ended"] and seen[0][2]["status"] == "resolved"
        assert feed.closed.wait(5)
    finally:
        feed.close()
    # Nothing the customer received names the advisor.
    assert "ville" not in repr(seen) and "maija" not in repr(seen)


def test_a_case_expired_at_closing_time_ends_the_customers_feed(server):
    """The point closed with the case open: the feed says it ended (no authority) and closes."""
    base, cases = server
    case = new_case(cases, "live-expired-0001")
    feed = Feed(f"{base}/api/live/live-expired-0001")
    try:
        assert feed.next()[2]["status"] == "pending"
        cases.expire_due(lambda created: created, now=case["created_at"])
        (_, _, data), seen = feed.until("ended")
        assert data == {"authority": None} and seen[0][2]["status"] == "resolved"
        assert feed.closed.wait(5)
    finally:
        feed.close()


def test_last_event_id_resumes_without_repeats_or_losses(server):
    base, cases = server
    conversation = "live-resume-0001"
    case = new_case(cases, conversation)
    cases.take_over(case["id"], "advisor1")
    cases.add_message(case["id"], "advisor1", "first")
    feed = Feed(f"{base}/api/live/{conversation}")
    try:
        _, seen = feed.until("message")
        # Replayed in order: the takeover, then the line.
        assert [(kind, data.get("taken_over"), data.get("text")) for kind, _, data in seen] == [
            ("status", True, None),
            ("message", None, "first"),
        ]
        last_id = seen[-1][1]
        with pytest.raises(queue.Empty):
            feed.next(timeout=1)
    finally:
        feed.close()
    cases.add_message(case["id"], "advisor1", "second")
    cases.add_message(case["id"], "advisor1", "third")
    for resumed in (
        Feed(f"{base}/api/live/{conversation}", headers={"Last-Event-ID": last_id}),
        Feed(f"{base}/api/live/{conversation}?after={last_id}"),
    ):
        try:
            texts = [resumed.next()[2]["text"], resumed.next()[2]["text"]]
            assert texts == ["second", "third"]
            event, _, data = resumed.next()
            assert event == "status" and data["taken_over"] is True
        finally:
            resumed.close()
    # Resolved while the page was away: a resuming page hears that it ended; a new one gets 404.
    cases.resolve(case["id"], "advisor1", "helped")
    resumed = Feed(f"{base}/api/live/{conversation}?after={last_id}")
    try:
        (_, _, data), seen = resumed.until("ended")
        assert data == {"authority": None} and all(kind != "message" for kind, _, _ in seen)
    finally:
        resumed.close()
    assert httpx.get(f"{base}/api/live/{conversation}").status_code == 404


def test_unknown_conversation_bad_id_and_foreign_origin(server):
    base, cases = server
    assert httpx.get(f"{base}/api/live/nobody-here-0001").status_code == 404
    assert httpx.get(f"{base}/api/live/bad%20id").status_code == 422
    new_case(cases, "live-origin-0001")
    assert httpx.get(f"{base}/api/live/live-origin-0001", headers={"Origin": "https://evil.example"}).status_code == 403
    feed = Feed(f"{base}/api/live/live-origin-0001", headers={"Origin": ALLOWED})
    try:
        assert feed.status_code == 200 and feed.headers["access-control-allow-origin"] == ALLOWED
        assert feed.next()[0] == "status"
    finally:
        feed.close()
