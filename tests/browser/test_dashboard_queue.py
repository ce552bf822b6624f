"""Issue 14's queue in Chromium: ten waiting customers fit one 1366x768 screen as one line each, with details
on demand and names instead of codes; remote appointments by day and a refused page; axe on each."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from store.accounts import AccountStore
from store.cases import CaseStore
from store.db import make_engine
from tests.browser.conftest import POINT, UVICORN
from tests.browser.helpers import check_axe, shot
from tests.e2e.conftest import ROOT, free_port, wait_until_up

PASSWORD = "correct horse battery staple"
LAPTOP = {"width": 1366, "height": 768}
# What ten customers of an ordinary morning came for: codes as the assistant stores them.
CUSTOMERS = [
    {"life_situation": "KE8", "services": ["unemployment_benefit"], "forms": ["TT 1"], "intents": ["life_losing_job"]},
    {"services": ["change_of_address"], "intents": ["service_change_of_address", "request_human"]},
    {"services": ["housing_allowance"], "forms": ["AT 1"], "intents": ["service_housing_allowance"]},
    {"intents": ["request_human"], "language": "sv"},
    {"forms": ["AT 1"], "reason": "paper_form", "channel": "web"},
    {"intents": ["book_appointment", "request_human"], "language": "en"},
    {"services": ["housing_allowance"], "reason": "needs_advisor"},
    {"intents": ["ask_hours_location"], "reason": "repeated_fallback"},
    {"life_situation": "KE8", "intents": ["life_losing_job"], "language": "sv"},
    {"services": ["change_of_address"], "intents": ["service_change_of_address"]},
]
CODES = ("service_change_of_address", "request_human", "life_losing_job", "unemployment_benefit", "intents:")


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> Iterator[str]:
    """The web app alone under uvicorn (the queue needs no Rasa) with ten open cases, an advisor and an editor."""
    folder = tmp_path_factory.mktemp("queue")
    db, log, port = folder / "app.db", folder / "app.log", free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "APP_DATABASE_URL": f"sqlite:///{db}",
        "STAFF_COOKIE_SECURE": "false",
        "TRACKER_STORE_URL": f"sqlite:///{folder}/tracker.db",
        "MODEL_BANK_DIR": str(folder / "models"),
    }
    command = [str(UVICORN), "kiosk_ui.app:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/status.json", process, log)
        engine = make_engine(f"sqlite:///{db}")
        accounts = AccountStore(engine)
        accounts.create("aino", PASSWORD, "advisor")
        accounts.create("eero", PASSWORD, "editor")
        cases = CaseStore(engine=engine)
        for number, customer in enumerate(CUSTOMERS):
            fields = {"language": "fi", "channel": "kiosk", "reason": "customer_request", **customer}
            cases.create_case(point_id=POINT, conversation_id=f"queue-{number:04d}", **fields)
        engine.dispose()
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def sign_in(page: Page, base: str, username: str, lang: str) -> None:
    page.goto(f"{base}/staff/login?lang={lang}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff\?lang="))


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_ten_waiting_customers_fit_the_first_screen_as_one_line_each(web, new_page, lang):
    """At 1366x768 the tenth card's bottom is inside the window; each card is one line; no codes anywhere."""
    page = new_page(viewport=LAPTOP)
    sign_in(page, web, "aino", lang)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    cards = page.locator("#queue > li.case")
    expect(cards).to_have_count(10)
    shot(page, f"dashboard-10-cases-1366x768-{lang}")
    tenth = cards.nth(9).bounding_box()
    assert tenth is not None and tenth["y"] + tenth["height"] <= LAPTOP["height"], tenth
    assert page.evaluate("() => window.scrollY") == 0
    for index in range(10):
        box = cards.nth(index).bounding_box()
        assert box is not None and box["height"] <= 60, (index, box)  # one line (48 px targets and a border)
    text = page.locator("#queue").inner_text()
    for code in CODES:
        assert code not in text, code
    expect(cards.nth(1).locator("[data-field=what]")).to_have_text(
        re.compile("Muuttoilmoitus" if lang == "fi" else "Flyttanmälan")
    )
    check_axe(page, f"dashboard-10-cases-{lang}")
    # Details on demand: the first card opens under its line, the others stay one line.
    first = cards.nth(0)
    expect(first.locator("[data-field=reason]")).not_to_be_visible()
    first.locator("details.case-more > summary").click()
    expect(first.locator("[data-field=reason]")).to_be_visible()
    expect(first.locator("[data-field=services]")).to_be_visible()
    assert (first.bounding_box() or {}).get("height", 0) > 120
    for target in first.locator("summary, button:visible, a.button-link:visible").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44, target  # the summary and buttons are touch sized
    shot(page, f"dashboard-details-open-{lang}")
    check_axe(page, f"dashboard-details-open-{lang}")


def test_remote_appointments_by_day_and_a_refused_page(web, new_page):
    """The day links and the date picker work; an editor opening Statistics gets a page with a way back."""
    page = new_page(viewport=LAPTOP)
    sign_in(page, web, "eero", "fi")
    page.goto(f"{web}/staff/remote?lang=fi")
    page.get_by_role("link", name="Huomenna").click()
    expect(page.get_by_role("link", name="Huomenna")).to_have_attribute("aria-current", "date")
    page.locator("#remote-day").fill("2027-01-04")
    page.get_by_role("button", name="Näytä").click()
    expect(page).to_have_url(re.compile(r"day=2027-01-04"))
    expect(page.locator("h2.records-day-heading")).to_have_text("Ajat ma 4.1.2027")
    shot(page, "remote-by-day-fi")
    check_axe(page, "remote-by-day-fi")
    page.goto(f"{web}/staff/statistics?lang=sv")
    expect(page.get_by_role("heading", name="Ingen behörighet")).to_be_visible()
    assert "not allowed" not in page.content()
    shot(page, "refused-statistics-sv")
    check_axe(page, "refused-statistics-sv")
    page.get_by_role("link", name="Till startsidan").click()
    expect(page).to_have_url(re.compile(r"/staff\?lang=sv"))
