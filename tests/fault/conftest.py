"""The real `make run` stack (scripts/run.sh under supervisor) in a temporary directory, for killing parts.

Own ports, databases, model bank and supervisor socket (RUN_DIR): nothing of the developer's var/ is touched.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from kiosk_ui.deps import DEVICE_COOKIE
from store.devices import DeviceStore

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "assistant.tar.gz"
SUPERVISORCTL = ROOT / ".venv-web" / "bin" / "supervisorctl"
CONF = ROOT / "deploy" / "supervisord.conf"
POINT = "example-point"
STARTUP_SECONDS = 300
# What the issue asks of a part that died: supervisor has it answering again within this.
BACK_WITHIN_SECONDS = 10
# Rasa loads TensorFlow and its model: its restart is slower than 10 s, and only has to happen.
RASA_BACK_WITHIN_SECONDS = 180
# Variables of the Makefile (`make test-fault`) or of a developer's shell that would point at var/.
INHERITED = (
    "ACTION_ENDPOINT_URL",
    "MODEL_SERVER_URL",
    "RASA_URL",
    "ACTION_SERVER_URL",
    "TRACKER_STORE_URL",
    "RASA_INSTANCES",
    "SUPERVISOR_CONF",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """The supervised stack's addresses, files, and ways to find and kill its parts."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.run_dir = tmp / "run"
        self.ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
        self.web_url = f"http://127.0.0.1:{self.ports['WEB_PORT']}"
        self.rasa_url = f"http://127.0.0.1:{self.ports['RASA_PORT']}"
        self.action_url = f"http://127.0.0.1:{self.ports['ACTION_PORT']}"
        self.app_db = tmp / "app.db"
        self.tracker_db = tmp / "tracker.db"
        self.rasa_token = uuid.uuid4().hex
        self.log = tmp / "run.log"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in INHERITED}
        return {
            **env,
            **{name: str(port) for name, port in self.ports.items()},
            "RUN_DIR": str(self.run_dir),
            "RASA_TOKEN": self.rasa_token,
            "APP_DATABASE_URL": f"sqlite:///{self.app_db}",
            "TRACKER_DIALECT": "sqlite",
            "TRACKER_DB": str(self.tracker_db),
            "TRACKER_STORE_URL": f"sqlite:///{self.tracker_db}",
            "MODEL_BANK_DIR": str(self.tmp / "models"),
            "STAFF_ADMIN_USER": "fault-admin",
            "STAFF_ADMIN_PASSWORD": uuid.uuid4().hex,
            # One test client sends everything from 127.0.0.1.
            "CHAT_RATE_LIMIT_CLIENT": "10000/minute",
            "CHAT_RATE_LIMIT_CONVERSATION": "1000/minute",
            "HANDOFF_RATE_LIMIT_CLIENT": "10000/minute",
            "HANDOFF_QUEUE_LIMIT": "1000",
        }

    def ctl(self, *args: str) -> str:
        """supervisorctl on this stack's socket."""
        command = [str(SUPERVISORCTL), "-c", str(CONF), "-s", f"unix://{self.run_dir}/supervisor.sock", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip()

    def pid(self, program: str) -> int:
        """The running process of a program; 0 while it is not running."""
        text = self.ctl("pid", program)
        return int(text) if text.isdigit() else 0

    def kill(self, program: str) -> int:
        """kill -9 a program's process (as a crash would); its pid."""
        pid = self.pid(program)
        assert pid, f"{program} is not running: {self.ctl('status')}"
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_back(self, program: str, old_pid: int, url: str, seconds: float) -> float:
        """Seconds until a new process of the program answers `url` with 200; fails after `seconds`."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            pid = self.pid(program)
            if pid and pid != old_pid:
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        return time.monotonic() - started
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        pytest.fail(f"{program} not back within {seconds} s: {self.ctl('status')}\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def db(self, query: str, *args) -> list[tuple]:
        """Rows of the app database, read as the server would after a restart."""
        with sqlite3.connect(self.app_db) as db:
            return db.execute(query, args).fetchall()


class Customer:
    """A kiosk (a registered device's cookie) talking to the gateway as the kiosk page does."""

    def __init__(self, stack: Stack, device_secret: str):
        self.stack = stack
        self.conversation_id = f"fault-{uuid.uuid4().hex[:16]}"
        self.http = httpx.Client(base_url=stack.web_url, cookies={DEVICE_COOKIE: device_secret}, timeout=60)

    def say(self, message: str) -> dict:
        body = {"conversation_id": self.conversation_id, "message": message, "channel": "kiosk", "point": POINT}
        response = self.http.post("/api/chat", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def handoff(self) -> httpx.Response:
        body = {"conversation_id": self.conversation_id, "point": POINT, "language": "fi", "channel": "kiosk"}
        return self.http.post("/api/handoff", json=body)


def buttons(reply: dict) -> list[str]:
    return [b["payload"] for m in reply["messages"] for b in m.get("buttons") or []]


def customs(reply: dict, kind: str) -> list[dict]:
    return [m["custom"] for m in reply["messages"] if (m.get("custom") or {}).get("type") == kind]


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """scripts/run.sh as `make run` starts it, until the session ends (SIGTERM to supervisord stops all)."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    stack = Stack(tmp_path_factory.mktemp("fault"))
    # Append mode: supervisor opens /dev/stdout again for each program, which must not truncate the file.
    with stack.log.open("a") as log:
        stack.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env=stack.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_answering(stack)
        yield stack
    finally:
        stack.process.send_signal(signal.SIGTERM)  # run.sh exec'd supervisord: it stops the three parts
        try:
            stack.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait()


def wait_until_answering(stack: Stack) -> None:
    """Until the assistant answers through the gateway (Rasa has pulled its model from the web app)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    body = {"conversation_id": "fault-warmup", "message": "moi", "channel": "web", "point": POINT}
    while time.monotonic() < deadline:
        assert stack.process is not None
        if stack.process.poll() is not None:
            pytest.fail(f"scripts/run.sh ended:\n{stack.tail()}")
        try:
            reply = httpx.post(f"{stack.web_url}/api/chat", json=body, timeout=30).json()
            if not reply.get("degraded") and reply.get("messages"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)
    pytest.fail(f"the stack did not answer in {STARTUP_SECONDS} s:\n{stack.tail()}")


@pytest.fixture(scope="session")
def device_secret(stack: Stack) -> str:
    """A kiosk registered at the point, as an admin would on /staff/devices."""
    _, secret = DeviceStore(create_engine(f"sqlite:///{stack.app_db}")).register(POINT, "fault-test kiosk", "fault")
    return secret


@pytest.fixture
def customer(stack: Stack, device_secret: str) -> Iterator[Customer]:
    customer = Customer(stack, device_secret)
    yield customer
    customer.http.close()
