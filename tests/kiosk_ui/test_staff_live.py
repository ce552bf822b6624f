"""The dashboard's live feed on a real server.

Uvicorn in a subprocess, a real SSE client, cases written from outside.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from sqlalchemy.orm import Session

from store.accounts import AccountStore
from store.cases import CaseStore
from store.db import open_database
from store.models import StaffPresence
from tests.staff_client import PASSWORD, EventStream, signed_in_client

ROOT = Path(__file__).resolve().parents[2]
POINT = "example-point"
TOKEN = "live-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def web_app(database_url: str, **env):
    """The web app as `make run` starts it (uvicorn, plain http on localhost), on a free port."""
    port = free_port()
    environment = {
        **os.environ,
        "APP_DATABASE_URL": database_url,
        "STAFF_COOKIE_SECURE": "false",
        "PYTHONPATH": str(ROOT),
        "OPENBLAS_NUM_THREADS": "1",
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "kiosk_ui.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--timeout-graceful-shutdown",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/staff/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


class FakeRasaApi(BaseHTTPRequestHandler):
    """Rasa's HTTP API as far as the takeover needs it: remembers each POST."""

    seen: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        FakeRasaApi.seen.append((self.path, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def rasa_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasaApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def live(tmp_path_factory, rasa_api):
    url = f"sqlite:///{tmp_path_factory.mktemp('live')}/app.db"
    engine = open_database(url)
    AccountStore(engine).create("aino", PASSWORD, "advisor")
    # Heartbeats every 0.3 s here (15 s in use), so the presence test need not wait long.
    with web_app(
        url, RASA_URL=f"http://127.0.0.1:{rasa_api.server_port}", RASA_TOKEN=TOKEN, STAFF_EVENTS_HEARTBEAT_SECONDS="0.3"
    ) as base:
        # A separate store on its own engine, as the action server (another process) writes cases.
        yield base, CaseStore(url)


def new_case(store: CaseStore, conversation_id: str) -> dict:
    return store.create_case(
        point_id=POINT,
        conversation_id=conversation_id,
        language="fi",
        channel="kiosk",
        reason="customer_request",
        summary="intents: service_housing_allowance",
    )


def test_a_new_case_reaches_an_open_dashboard_within_one_second(live):
    base, store = live
    client, _ = signed_in_client(base, "aino")
    stream = EventStream(client)
    try:
        _, cursor, snapshot = stream.next("snapshot")
        assert int(cursor) == snapshot["cursor"]
        assert "aino" in store.on_duty(POINT)  # the assistant now knows an advisor is on duty
        case = new_case(store, "conv-live-1")
        committed = time.perf_counter()
        received, event_id, data = stream.next("case", where=lambda d: d["change"]["kind"] == "created")
        assert received - committed < 1.0
        assert data["case"]["ticket"] == case["ticket"] and data["case"]["status"] == "pending"
        assert int(event_id) == data["change"]["id"] > int(cursor)
    finally:
        stream.close()
        client.close()


def test_reconnecting_without_last_event_id_gets_every_open_case_in_the_snapshot(live):
    base, store = live
    case = new_case(store, "conv-live-2")  # arrives while no dashboard is open
    client, _ = signed_in_client(base, "aino")
    stream = EventStream(client)
    try:
        _, _, snapshot = stream.next("snapshot")
        assert case["id"] in [c["id"] for c in snapshot["cases"]]
    finally:
        stream.close()
        client.close()


def test_takeover_pauses_rasa_over_http_and_chat_lines_stream_live(live, rasa_api):
    base, store = live
    case = new_case(store, "conv-live-3")
    client, token = signed_in_client(base, "aino")
    stream = EventStream(client)
    try:
        stream.next("snapshot")
        answer = client.post(
            f"/staff/cases/{case['id']}/takeover", data={"csrf_token": token}, headers={"Accept": "application/json"}
        )
        assert answer.status_code == 200, answer.text
        assert (
            f"/conversations/conv-live-3/tracker/events?token={TOKEN}&include_events=NONE",
            {"event": "pause"},
        ) in FakeRasaApi.seen
        stream.next("case", where=lambda d: d["change"]["kind"] == "taken_over" and d["case"]["taken_over"])
        store.add_message(case["id"], "customer", "Tarvitsen apua")
        _, _, line = stream.next("case", where=lambda d: d["change"]["kind"] == "message")
        assert (line["change"]["actor"], line["change"]["text"]) == ("customer", "Tarvitsen apua")
        client.post(
            f"/staff/cases/{case['id']}/messages",
            data={"csrf_token": token, "text": "Tulen heti"},
            headers={"Accept": "application/json"},
        )
        _, _, line = stream.next("case", where=lambda d: d["change"]["kind"] == "message")
        assert (line["change"]["actor"], line["change"]["text"]) == ("aino", "Tulen heti")
        client.post(
            f"/staff/cases/{case['id']}/handback", data={"csrf_token": token}, headers={"Accept": "application/json"}
        )
        assert FakeRasaApi.seen[-1][1] == {"event": "resume"}
    finally:
        stream.close()
        client.close()


def test_a_reconnecting_chat_gets_the_lines_it_missed(live):
    base, store = live
    case = new_case(store, "conv-live-4")
    client, _ = signed_in_client(base, "aino")
    stream = EventStream(client)
    try:
        _, cursor, _ = stream.next("snapshot")
    finally:
        stream.close()
    store.add_message(case["id"], "customer", "Oletko siellä?")
    again = EventStream(client, headers={"Last-Event-ID": cursor})
    try:
        again.next("snapshot")
        _, event_id, line = again.next("case", where=lambda d: d["change"]["kind"] == "message")
        assert line["change"]["text"] == "Oletko siellä?" and event_id is None
    finally:
        again.close()
        client.close()


def test_heartbeats_keep_the_advisor_on_duty_and_the_feed_stops_when_the_dashboard_closes(live):
    base, store = live
    client, _ = signed_in_client(base, "aino")

    def last_seen():
        with Session(store.engine) as session:
            return session.get(StaffPresence, "aino").last_seen

    stream = EventStream(client)
    try:
        stream.next("snapshot")
        before = last_seen()
        time.sleep(0.8)
        assert last_seen() > before
    finally:
        stream.close()
        client.close()
    time.sleep(0.8)  # the server notices the closed connection within one poll
    after = last_seen()
    time.sleep(1.0)
    assert last_seen() == after


def test_restarting_the_app_loses_no_case(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    AccountStore(open_database(url)).create("aino", PASSWORD, "advisor")
    with web_app(url) as base:
        client, csrf = signed_in_client(base, "aino")
        waiting = new_case(CaseStore(url), "conv-restart-1")
        claimed = new_case(CaseStore(url), "conv-restart-2")
        assert client.post(f"/staff/cases/{claimed['id']}/claim", data={"csrf_token": csrf}).status_code == 303
        client.close()
    with web_app(url) as base:  # a new process on the same database file
        client, _ = signed_in_client(base, "aino")
        stream = EventStream(client)
        try:
            _, _, snapshot = stream.next("snapshot")
        finally:
            stream.close()
            client.close()
    cases = {c["ticket"]: c for c in snapshot["cases"]}
    assert cases[waiting["ticket"]]["status"] == "pending"
    assert cases[claimed["ticket"]]["status"] == "claimed" and cases[claimed["ticket"]]["assignee"] == "aino"
