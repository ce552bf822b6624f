"""The action server's front door (python -m actions.server): the shared secret, loopback, bad bodies."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-action-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """Status and JSON answer of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def authorised(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The launcher as supervisors start it, on a free port."""
    tmp = tmp_path_factory.mktemp("actions")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ACTION_SERVER_TOKEN": TOKEN,
        "APP_DATABASE_URL": f"sqlite:///{tmp}/app.db",
    }
    env.pop("BIND_ADDRESS", None)
    log = (tmp / "actions.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp / "actions.log").read_text()[-3000:]
            try:
                if call(f"{url}/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the action server did not come up")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def action_call(action: str = "action_point_info", sender: str = "conv-12345678") -> dict:
    tracker = {
        "sender_id": sender,
        "slots": {"language": "en"},
        "latest_message": {"text": "hours", "intent": {"name": "ask_hours"}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {}, "version": "3.6.21"}


def test_health_is_open(server):
    assert call(f"{server}/health") == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-secret"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
)
def test_webhook_without_the_secret_is_401_and_runs_nothing(server, headers):
    body = json.dumps(action_call("action_handoff")).encode()
    status, answer = call(f"{server}/webhook", "POST", body, {"Content-Type": "application/json", **headers})
    assert status == 401
    assert answer == {"error": "unauthorized"}


def test_action_list_needs_the_secret_too(server):
    assert call(f"{server}/actions")[0] == 401
    status, answer = call(f"{server}/actions", headers=authorised())
    assert status == 200 and {"name": "action_handoff"} in answer


def test_webhook_with_the_secret_runs_the_action(server):
    body = json.dumps(action_call()).encode()
    status, answer = call(f"{server}/webhook", "POST", body, authorised())
    assert status == 200
    assert {"events", "responses"} <= set(answer)


def test_compressed_call_with_the_secret_runs_too(server):
    body = zlib.compress(json.dumps(action_call()).encode())
    status, _ = call(f"{server}/webhook", "POST", body, {**authorised(), "Content-Encoding": "deflate"})
    assert status == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'"text"',
        b'{"next_action": 5}',
        b'{"next_action": "action_point_info"}',
        b'{"next_action": "action_point_info", "tracker": []}',
        b'{"next_action": "action_point_info", "tracker": {"sender_id": "s", "events": "x"}}',
        b'{"next_action": "action_point_info", "tracker": {"sender_id": "s"}, "domain": "x"}',
    ],
)
def test_bad_bodies_are_400_not_500(server, body):
    status, answer = call(f"{server}/webhook", "POST", body, authorised())
    assert status == 400
    assert "request_body" not in answer  # rasa-sdk's own error answer echoed the whole tracker


def test_bad_deflate_body_is_400(server):
    status, _ = call(f"{server}/webhook", "POST", b"not deflate", {**authorised(), "Content-Encoding": "deflate"})
    assert status == 400


def test_unknown_action_is_404(server):
    body = json.dumps(action_call("action_nothing")).encode()
    assert call(f"{server}/webhook", "POST", body, authorised())[0] == 404


def test_refuses_to_start_without_the_secret():
    env = {key: value for key, value in os.environ.items() if key != "ACTION_SERVER_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "actions.server", "--port", str(free_port())],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ACTION_SERVER_TOKEN" in result.stderr


def test_importing_the_module_starts_nothing():
    # rasa-sdk imports every module of the actions package: this one must do nothing then.
    import actions.server as module

    assert callable(module.main)


def _call(action: str) -> dict:
    """An action call as Rasa sends it, with an empty conversation."""
    tracker = {"sender_id": "t", "slots": {}, "latest_message": {}, "events": [], "paused": False}
    return {"next_action": action, "sender_id": "t", "tracker": tracker, "domain": {}}


def test_a_blocking_action_does_not_hold_up_the_others():
    """Each call runs in a worker thread: one waiting on the database leaves the loop free for the next."""
    import asyncio
    import threading

    from actions.server import ThreadedActionExecutor

    released, threads = threading.Event(), set()

    def waits(dispatcher, tracker, domain):
        threads.add(threading.get_ident())
        return [{"event": "slot", "name": "released", "value": released.wait(10)}]

    def releases(dispatcher, tracker, domain):
        threads.add(threading.get_ident())
        released.set()
        return []

    executor = ThreadedActionExecutor()
    executor.register_function("action_waits", waits)
    executor.register_function("action_releases", releases)

    async def both():
        return await asyncio.gather(executor.run(_call("action_waits")), executor.run(_call("action_releases")))

    waited, _ = asyncio.run(both())
    assert waited["events"] == [{"event": "slot", "name": "released", "value": True}]
    assert threading.get_ident() not in threads and len(threads) == 2
