"""A real stack for end-to-end tests: the trained model in a Rasa server, and the action server."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "assistant.tar.gz"
STARTUP_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not come up in {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


class Stack:
    """Addresses and files of the running stack."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.rasa_port, self.action_port = free_port(), free_port()
        self.tracker_db = tmp / "tracker.db"
        self.app_db = tmp / "app.db"
        self.token = uuid.uuid4().hex
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.action_url = f"http://127.0.0.1:{self.action_port}"

    def env(self) -> dict:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
            "TRACKER_DIALECT": "sqlite",
            "TRACKER_DB": str(self.tracker_db),
            "APP_DATABASE_URL": f"sqlite:///{self.app_db}",
        }

    def say(self, sender: str, message: str, **metadata) -> list[dict]:
        """Send one message over the REST channel; the assistant's replies."""
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            timeout=30,
            json={"sender": sender, "message": message, "metadata": {"channel": "kiosk", **metadata}},
        )
        response.raise_for_status()
        return response.json()


@contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    """The action server and Rasa (with its HTTP API) on the trained model, until the block ends."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    logs = {name: stack.tmp / f"{name}.log" for name in ("actions", "rasa")}
    # bot/endpoints.yml pulls the model from the web app's model server (`models:`), which these stacks
    # do not run: they get the same endpoints without `models:` and run the file model, unless the
    # stack names a model server (`model_server_url`, and `model_server_token` if it has one).
    endpoints = yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8"))
    model_server_url = getattr(stack, "model_server_url", None)
    if model_server_url:
        endpoints["models"]["url"] = model_server_url
        endpoints["models"]["token"] = getattr(stack, "model_server_token", None) or ""
    else:
        endpoints.pop("models", None)
    env = stack.env()
    for section in endpoints.values():  # the stack's values, written out (Rasa would read them from env)
        for key, value in section.items():
            if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
                section[key] = env[value[2:-1]]
    endpoints_file = stack.tmp / "endpoints.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    commands = {
        "actions": [str(RASA), "run", "actions", "--actions", "actions", "--port", str(stack.action_port)],
        "rasa": [
            str(RASA),
            "run",
            "--model",
            str(MODEL),
            "--port",
            str(stack.rasa_port),
            "--endpoints",
            str(endpoints_file),
            "--credentials",
            "bot/credentials.yml",
            "--enable-api",
            "--auth-token",
            stack.token,
        ],
    }
    processes = {}
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=stack.env(), stdout=logs[name].open("w"), stderr=subprocess.STDOUT
            )
        wait_until_up(f"{stack.action_url}/health", processes["actions"], logs["actions"])
        wait_until_up(f"{stack.rasa_url}/version", processes["rasa"], logs["rasa"])
        stack.logs = logs
        yield stack
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Start the action server and Rasa once for the whole session."""
    with running(Stack(tmp_path_factory.mktemp("stack"))) as stack:
        yield stack


@pytest.fixture
def sender() -> str:
    """A fresh conversation id."""
    return f"e2e-{uuid.uuid4().hex[:12]}"
