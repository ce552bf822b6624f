"""The real stack (tests/e2e's Rasa + action server) plus the web app under uvicorn, driven by
Playwright on Debian's Chromium. Nothing is downloaded: the browser is /usr/bin/chromium and axe-core
comes from node_modules (npm ci)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from store.db import make_engine
from store.devices import DeviceStore
from tests.browser.helpers import ARTIFACTS, AXE_JS, AXE_RESULTS, KIOSK_SECRETS, SCREENSHOTS, write_axe_summary
from tests.e2e import conftest as e2e
from tests.e2e.conftest import ROOT, Stack, free_port, wait_until_up

# The e2e stack is reused as it is: the `stack` fixture starts Rasa and the action server once.
stack = e2e.stack

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The machine's network is closed: without these Chromium waits on sign-in, updates and QUIC probes.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UVICORN = ROOT / ".venv-web" / "bin" / "uvicorn"
POINT = "example-point"
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}
# Short kiosk timers for the idle test's own app instance; the shared app keeps the defaults.
IDLE_SECONDS, WIPE_SECONDS = 6, 4


class App:
    """One uvicorn process of kiosk_ui.app:create_app and its SQLite database."""

    def __init__(
        self,
        name: str,
        tmp: Path,
        stack: Stack,
        *,
        rasa_url: str | None = None,
        db: Path | None = None,
        env: dict | None = None,
    ):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = db or tmp / f"{name}.db"
        self.log = tmp / f"app-{name}.log"
        self.env = {
            **stack.env(),
            "RASA_URL": rasa_url or stack.rasa_url,
            "ACTION_SERVER_URL": stack.action_url,
            "APP_DATABASE_URL": f"sqlite:///{self.db}",
            "RASA_TOKEN": stack.token,
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def kiosk(self, lang: str) -> str:
        return f"{self.url}/kiosk?point={POINT}&lang={lang}"

    def __enter__(self) -> App:
        self.process = subprocess.Popen(
            [str(UVICORN), "kiosk_ui.app:create_app", "--factory", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_until_up(f"{self.url}/status.json", self.process, self.log)
        # Only a browser holding a registered device's cookie is a kiosk (issue 12): one device per app,
        # registered once its start-up has made the tables; ui.open_kiosk gives pages its cookie.
        engine = make_engine(f"sqlite:///{self.db}")
        _, KIOSK_SECRETS[self.url] = DeviceStore(engine).register(POINT, f"Browser test kiosk ({self.name})", "tests")
        engine.dispose()
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class EmbeddingSite:
    """Another origin (its own port) whose page embeds the widget with a script tag, as a
    municipality's website would: GET /?lang=sv serves the page in that language."""

    def __init__(self):
        self.app_url = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                query = parse_qs(urlparse(self.path).query)
                lang = (query.get("lang") or ["en"])[0]
                if urlparse(self.path).path != "/" or lang not in ("fi", "sv", "en"):
                    self.send_error(404)
                    return
                body = site.page(lang).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(self, lang: str) -> str:
        titles = {"fi": "Kunnan verkkosivu", "sv": "Kommunens webbplats", "en": "Municipality website"}
        return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{titles[lang]}</title></head>
<body>
<main><h1>{titles[lang]}</h1><p>Lorem ipsum: the page of another site that embeds the assistant.</p></main>
<script src="{self.app_url}/widget.js" data-point="{POINT}" data-lang="{lang}"></script>
</body>
</html>"""

    def url(self, lang: str = "en") -> str:
        return f"{self.origin}/?lang={lang}"


# The scenarios that train a model (a few minutes on one core each) come first: with `make test-browser`'s two
# pytest-xdist workers (one file to a worker, in this order), one worker takes each and the trainings overlap.
TRAINING_FIRST = ("test_content.py", "test_training.py")


def pytest_collection_modifyitems(items):
    """The training scenarios first, in TRAINING_FIRST's order; the rest as collected."""
    items.sort(key=lambda item: TRAINING_FIRST.index(item.path.name) if item.path.name in TRAINING_FIRST else 2)


def pytest_configure(config):
    """Screenshots and axe reports of this run only (emptied once, by the process that runs or hands out tests)."""
    if hasattr(config, "workerinput"):
        return
    for folder in (SCREENSHOTS, ARTIFACTS / "axe"):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)


@pytest.fixture(scope="session")
def site() -> Iterator[EmbeddingSite]:
    site = EmbeddingSite()
    site.thread.start()
    yield site
    site.server.shutdown()


# Every test talks from 127.0.0.1: the gateway's per-client limits would count the whole suite.
ROOMY_LIMITS = {
    "CHAT_RATE_LIMIT_CLIENT": "1000/minute",
    "CHAT_RATE_LIMIT_CONVERSATION": "1000/minute",
    "HANDOFF_RATE_LIMIT_CLIENT": "1000/minute",
}


@pytest.fixture(scope="session")
def app(stack, site, tmp_path_factory) -> Iterator[App]:
    """The web app on the shared stack, allowing the embedding site's origin; same database as the
    action server, so cases from the chat and from the kiosk's fallback share ticket numbers."""
    # Plain http on 127.0.0.1, so the staff cookie cannot be Secure (as in `make run`).
    with App(
        "main",
        tmp_path_factory.mktemp("app"),
        stack,
        db=stack.app_db,
        env={**ROOMY_LIMITS, "ALLOWED_ORIGINS": json.dumps([site.origin]), "STAFF_COOKIE_SECURE": "false"},
    ) as app:
        site.app_url = app.url
        yield app


@pytest.fixture(scope="session")
def idle_app(stack, tmp_path_factory) -> Iterator[App]:
    """A second app instance with short idle and wipe timers."""
    with App(
        "idle",
        tmp_path_factory.mktemp("idle"),
        stack,
        env={**ROOMY_LIMITS, "KIOSK_IDLE_SECONDS": str(IDLE_SECONDS), "KIOSK_WIPE_SECONDS": str(WIPE_SECONDS)},
    ) as app:
        yield app


@pytest.fixture(scope="session")
def dead_rasa_app(stack, tmp_path_factory) -> Iterator[App]:
    """An app instance whose Rasa URL is a port where nothing listens; its own database."""
    with App(
        "dead-rasa",
        tmp_path_factory.mktemp("dead"),
        stack,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        env=ROOMY_LIMITS,
    ) as app:
        yield app


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (Debian's package)")
    if not AXE_JS.exists():
        pytest.fail(f"no {AXE_JS.relative_to(ROOT)}: run `npm ci` (make test-browser does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageErrors(list):
    """Uncaught script errors of a page; a test fails on any."""


@pytest.fixture
def new_page(browser, request):
    """Makes pages in fresh contexts (no cookies, no storage); checks them for script errors and
    screenshots every page of a failed test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    made = []

    def make(viewport: dict = PORTRAIT, **options):
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.errors = PageErrors()
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        made.append(page)
        return page

    yield make
    failed = getattr(request.node, "failed_call", False)
    for index, page in enumerate(made):
        if failed and not page.is_closed():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # A crashed page still lets the other pages be saved.
            with contextlib.suppress(Exception):
                page.screenshot(path=SCREENSHOTS / f"FAILED-{request.node.name}-{index}.png", full_page=True)
    errors = [error for page in made for error in page.errors]
    for page in made:
        page.context.close()
    if not failed:
        assert not errors, f"uncaught script errors: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.failed_call = True


def pytest_sessionfinish(session):
    """Each process's axe counts to a file of its own, for the summary of the whole run."""
    if AXE_RESULTS:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (ARTIFACTS / "axe").mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "axe" / f"counts-{worker}.json").write_text(json.dumps(AXE_RESULTS), encoding="utf-8")


def pytest_terminal_summary(terminalreporter):
    if hasattr(terminalreporter.config, "workerinput"):
        return
    results = {}
    for counts in sorted((ARTIFACTS / "axe").glob("counts-*.json")):
        results.update(json.loads(counts.read_text(encoding="utf-8")))
    if not results:
        return
    write_axe_summary(results)
    terminalreporter.section("axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa)")
    for name, counts in sorted(results.items()):
        line = ", ".join(f"{impact} {count}" for impact, count in counts.items() if count) or "no violations"
        terminalreporter.write_line(f"{name:<28} {line}")
