"""A real stack for end-to-end tests: the trained model in a Rasa server, and the action server.

Both start with the project's own launchers (`python -m bot.server`, `python -m actions.server`), with
their secrets in the environment as supervisors give them: RASA_TOKEN, ACTION_SERVER_TOKEN and
GATEWAY_SECRET (the web apps of tests/browser get the same environment).
"""

from __future__ import annotations

import os
import re
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

from privacy.gateway_signature import sign

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
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
        self.token = uuid.uuid4().hex  # RASA_TOKEN
        self.action_token = uuid.uuid4().hex  # ACTION_SERVER_TOKEN
        self.gateway_secret = uuid.uuid4().hex  # GATEWAY_SECRET
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.action_url = f"http://127.0.0.1:{self.action_port}"

    def env(self) -> dict:
        # BIND_ADDRESS is left to the launchers' default (loopback), which tests/e2e/test_ports.py checks.
        inherited = {key: value for key, value in os.environ.items() if key != "BIND_ADDRESS"}
        return {
            **inherited,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
            "TRACKER_DIALECT": "sqlite",
            "TRACKER_DB": str(self.tracker_db),
            "APP_DATABASE_URL": f"sqlite:///{self.app_db}",
            "RASA_TOKEN": self.token,
            "ACTION_SERVER_TOKEN": self.action_token,
            "GATEWAY_SECRET": self.gateway_secret,
        }

    def say(self, sender: str, message: str, *, signed: bool = True, **metadata) -> list[dict]:
        """Send one message over the REST channel, signed as the gateway signs it; the assistant's replies."""
        metadata = {"channel": "kiosk", **metadata}
        headers = sign(self.gateway_secret, sender, message, metadata) if signed else {}
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            timeout=30,
            headers=headers,
            json={"sender": sender, "message": message, "metadata": metadata},
        )
        response.raise_for_status()
        return response.json()


SECRETS = {"RASA_TOKEN", "ACTION_SERVER_TOKEN", "GATEWAY_SECRET", "MODEL_SERVER_TOKEN"}


def with_values(config, env: dict):
    """The endpoints with every ${VAR} but the secrets replaced by the stack's value."""
    if isinstance(config, dict):
        return {key: with_values(value, env) for key, value in config.items()}
    if isinstance(config, str):
        return re.sub(r"\$\{(\w+)\}", lambda m: m.group() if m.group(1) in SECRETS else env[m.group(1)], config)
    return config


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
    endpoints_file = stack.tmp / "endpoints.yml"
    # The stack's values, written out (Rasa would read them from the environment), secrets excepted: the
    # file is the test's, the secrets stay in the environment as in production.
    endpoints_file.write_text(yaml.safe_dump(with_values(endpoints, stack.env())), encoding="utf-8")
    commands = {
        "actions": [str(RASA_PYTHON), "-m", "actions.server", "--port", str(stack.action_port)],
        "rasa": [
            str(RASA_PYTHON),
            "-m",
            "bot.server",
            "--model",
            str(MODEL),
            "--port",
            str(stack.rasa_port),
            "--endpoints",
            str(endpoints_file),
            "--credentials",
            "bot/credentials.yml",
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
        stack.processes = processes
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
