"""A stack of its own where Rasa PULLS its model from the web app, and the editor's steps on it
(sign in, train, activate): shared by the browser scenarios that train a model (training, content)."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from store.accounts import AccountError, AccountStore
from store.db import open_database
from tests.browser.conftest import ROOMY_LIMITS, App
from tests.e2e.conftest import Stack, running

PASSWORD = "correct horse battery staple"
EDITOR, ADMIN = "eeva", "anna"
# Training ~50-65 s and evaluation ~50 s on 2 cores alone; a loaded machine takes several times that.
TRAIN_TIMEOUT = 900
SWAP_TIMEOUT = 40  # the pull interval is 10 s


class PullingStack(Stack):
    """The e2e stack whose Rasa pulls its model from this stack's web app (tests.e2e.conftest.running
    writes bot/endpoints.yml with `models:` pointing there)."""

    def __init__(self, tmp, env: dict | None = None):
        super().__init__(tmp)
        self.model_server_token = uuid.uuid4().hex
        self.model_server_url = ""
        self.extra_env = env or {}

    def env(self) -> dict:
        """The e2e stack's environment and the scenario's own settings (the web app gets them too)."""
        return {**super().env(), **self.extra_env}

    def rasa(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Rasa's HTTP API with the token."""
        return httpx.request(method, f"{self.rasa_url}{path}", params={"token": self.token}, timeout=10, **kwargs)

    def parse(self, text: str) -> dict:
        response = self.rasa("POST", "/model/parse", json={"text": text})
        response.raise_for_status()
        return response.json()

    def model_file(self) -> str:
        return str(self.rasa("GET", "/status").json().get("model_file") or "")


@contextlib.contextmanager
def pulling_stack(tmp: Path, name: str, env: dict | None = None) -> Iterator[tuple[App, PullingStack]]:
    """The web app (model server, inbox, training runner, content workspace), then the action server and
    Rasa, which pulls the model from the app; an editor and an admin account. `env` goes to every process."""
    stack = PullingStack(tmp, env)
    env = {
        **ROOMY_LIMITS,
        "STAFF_LOGIN_RATE_LIMIT": "1000/minute",
        "STAFF_COOKIE_SECURE": "false",
        "TRACKER_STORE_URL": f"sqlite:///{stack.tracker_db}",
        "MODEL_SERVER_TOKEN": stack.model_server_token,
        "MODEL_BANK_DIR": str(tmp / "bank"),
        "RASA_INSTANCES": stack.rasa_url,
        # Training jobs inherit the app's environment: a cache of their own, so every run trains each
        # component (and shows it on the progress bar) instead of finding the last run's in .rasa/cache.
        "RASA_CACHE_DIRECTORY": str(tmp / "rasa-cache"),
        **(env or {}),
    }
    # The app first: Rasa asks the model server for its model as it starts.
    with App(name, tmp, stack, db=stack.app_db, env=env) as app:
        stack.model_server_url = f"{app.url}/model-server/active"
        accounts = AccountStore(open_database(f"sqlite:///{stack.app_db}"))
        for username, role in ((EDITOR, "editor"), (ADMIN, "admin")):
            with contextlib.suppress(AccountError):
                accounts.create(username, PASSWORD, role)
        with running(stack):
            yield app, stack


def sign_in(page: Page, base: str, username: str, lang: str = "fi") -> None:
    page.goto(f"{base}/staff/login?lang={lang}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff\?lang="))


def job_snapshot(page: Page) -> dict | None:
    """The job page's progress bar, stage, state and whether it still runs; None while it reloads."""
    try:
        return page.evaluate(
            """() => {
              const job = document.querySelector('[data-model-job]');
              const bar = document.querySelector('#job-progress');
              if (!job || !bar) return null;
              return {running: job.dataset.running, progress: bar.value,
                      stage: document.querySelector('[data-job-stage]')?.textContent.trim(),
                      state: document.querySelector('[data-job-state]')?.textContent.trim()};
            }"""
        )
    except Exception:  # the page is navigating: the reload after the job ended
        return None


def train(editor: Page, base: str) -> int:
    """Press Train on the model bank and wait until the job ends with a model to activate; its id."""
    editor.goto(f"{base}/staff/training/models?lang=fi")
    editor.locator("form.models-train button[type=submit]").click()
    expect(editor).to_have_url(re.compile(r"/staff/training/models/\d+\?"))
    model_id = int(re.search(r"/models/(\d+)", editor.url).group(1))
    deadline = time.monotonic() + TRAIN_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        last = job_snapshot(editor) or last
        if last and last["running"] == "false":
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the job did not end in {TRAIN_TIMEOUT} s; last seen: {last}")
    if editor.locator("#activate").count() == 0:
        log = editor.locator("[data-job-log]").text_content() or ""
        pytest.fail(f"the job ended without a model to activate: {last}\n{log[-3000:]}")
    return model_id


def activate(editor: Page, admin: Page, base: str, model_id: int, reason: str) -> Page:
    """Activate the model (an admin with a reason when the candidate is a regression); who did it."""
    actor = editor
    if editor.locator("#activate .notice.warning").count() > 0:
        actor = admin
        sign_in(actor, base, ADMIN)
        actor.goto(f"{base}/staff/training/models/{model_id}?lang=fi")
        actor.locator("#activate-reason").fill(reason)
    actor.locator("form.models-activate button[type=submit]").click()
    expect(actor).to_have_url(re.compile(r"notice=activated"))
    return actor


def wait_for_model(stack: PullingStack, previous: str) -> float | None:
    """Seconds until the running Rasa runs another model than `previous` (None: not within SWAP_TIMEOUT)."""
    started = time.monotonic()
    while time.monotonic() < started + SWAP_TIMEOUT:
        if stack.model_file() != previous:
            return time.monotonic() - started
        time.sleep(0.5)
    return None
