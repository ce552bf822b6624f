"""The advisor's side in Chromium on the real stack: the live queue, a takeover seen from the kiosk
(two browser contexts), hand back, resolve and feedback; axe and screenshots of the staff pages."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from playwright.sync_api import Page, expect

from store.accounts import AccountError, AccountStore
from store.cases import CaseStore
from store.db import open_database
from store.rows import HELSINKI
from tests.browser.conftest import LANDSCAPE, PHONE, ROOMY_LIMITS, App, EmbeddingSite
from tests.browser.helpers import check_axe, shot
from tests.browser.ui import FORM_REQUESTS, open_kiosk, ticket_of, tid
from tests.e2e.test_handoff import open_stack  # noqa: F401 (a fixture: Rasa on an always-open point)

PASSWORD = "correct horse battery staple"


def make_staff(database) -> AccountStore:
    """An advisor and an admin in the app's database."""
    accounts = AccountStore(open_database(f"sqlite:///{database}"))
    for name, role in (("aino", "advisor"), ("anna", "admin")):
        with contextlib.suppress(AccountError):  # made by an earlier test of this session
            accounts.create(name, PASSWORD, role)
    return accounts


@pytest.fixture(scope="module")
def staff(stack):
    return make_staff(stack.app_db)


@pytest.fixture(scope="module")
def open_point(open_stack, tmp_path_factory):  # noqa: F811 (the imported fixture)
    """A web app and an embedding site on the stack whose point is always open, so a web customer
    can get a live chat whatever the hour CI runs at."""
    site = EmbeddingSite()
    site.thread.start()
    with App(
        "open",
        tmp_path_factory.mktemp("open-app"),
        open_stack,
        db=open_stack.app_db,
        env={**ROOMY_LIMITS, "ALLOWED_ORIGINS": f'["{site.origin}"]', "STAFF_COOKIE_SECURE": "false"},
    ) as app:
        site.app_url = app.url
        make_staff(open_stack.app_db)
        yield app, site, open_stack
    site.server.shutdown()


def sign_in(page: Page, base: str, username: str, lang: str = "fi") -> None:
    page.goto(f"{base}/staff/login?lang={lang}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff\?lang="))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def case_card(page: Page, ticket: str):
    return page.locator("li.case").filter(has=page.get_by_role("heading", name=ticket, exact=True))


def test_takeover_from_the_dashboard_reaches_the_kiosk_and_the_bot_answers_after_hand_back(app, staff, new_page):
    advisor = new_page(LANDSCAPE)
    sign_in(advisor, app.url, "aino")
    customer = new_page()
    open_kiosk(customer, app.kiosk("fi"), "fi")

    customer.locator(tid("call-advisor")).filter(visible=True).first.click()
    ticket = ticket_of(customer)
    shown_at = time.monotonic()
    expect(customer.locator(tid("queue-ahead"))).to_be_visible()
    card = case_card(advisor, ticket)
    expect(card).to_be_visible(timeout=5_000)  # live, without reloading the dashboard
    print(f"\nticket {ticket} on the dashboard {1000 * (time.monotonic() - shown_at):.0f} ms after the kiosk showed it")
    shot(advisor, "staff-dashboard-new-case-fi")
    check_axe(advisor, "staff-dashboard-fi")

    card.locator("form[data-action=claim] button").click()
    expect(customer.locator(tid("queue-ahead"))).to_contain_text("Palveluneuvoja tulee")
    card.locator("form[data-action=takeover] button").click()
    # Taking over opens the case's chat view.
    expect(advisor).to_have_url(re.compile(r"/staff/cases/\d+"))
    expect(advisor.locator("[data-field=taken_over]")).to_be_visible()
    expect(advisor.locator("#message-form")).to_be_visible()

    expect(customer.locator(tid("chat-note")).last).to_contain_text("Palveluneuvoja tuli mukaan")
    advisor.locator("#message-text").fill("Hei, olen Aino. Miten voin auttaa?")
    advisor.locator("#message-form button[type=submit]").click()
    line = customer.locator(tid("advisor-message")).filter(has_text="Miten voin auttaa?")
    expect(line).to_be_visible()
    expect(line).to_contain_text("Palveluneuvoja")  # marked as a person, not the assistant

    bots_before = customer.locator(tid("msg-bot")).count()
    customer.locator(tid("chat-input")).fill("Haluan jättää hakemuksen")
    customer.locator(tid("chat-send")).click()
    expect(advisor.locator("#chat")).to_contain_text("Haluan jättää hakemuksen")
    customer.wait_for_timeout(1_000)
    assert customer.locator(tid("msg-bot")).count() == bots_before, "the assistant must stay silent during a takeover"
    shot(advisor, "staff-takeover-advisor-fi")
    shot(customer, "staff-takeover-kiosk-fi", full_page=True)
    check_axe(advisor, "staff-takeover-fi")

    advisor.locator("form[data-action=handback] button").click()
    expect(customer.locator(tid("chat-note")).last).to_contain_text("Avustaja vastaa taas")
    message, code = FORM_REQUESTS["fi"]
    customer.locator(tid("chat-input")).fill(message)
    customer.locator(tid("chat-send")).click()
    expect(customer.locator(f'{tid("form-card")}[data-code^="{code}"]')).to_be_visible()

    # The case page shows the case's details open (resolve included): a click on the summary would close them.
    expect(advisor.locator("details.case-more")).to_have_attribute("open", "")
    advisor.locator("[data-action=resolve] select[name=outcome]").select_option("helped")
    advisor.locator("[data-action=resolve] select[name=pair]").select_option("kela:receive_documents")
    advisor.locator("[data-action=resolve] button[type=submit]").click()
    rating = customer.locator(tid("feedback-rating"))
    expect(rating).to_be_visible()
    rating.locator("[data-rating='5']").click()
    customer.locator(tid("feedback-send")).click()
    expect(customer.locator(tid("feedback-thanks"))).to_be_visible()
    shot(customer, "staff-after-resolve-kiosk-fi", full_page=True)


@pytest.mark.parametrize(
    "path,name",
    [
        ("/staff/receipts", "receipts"),
        ("/staff/remote", "remote"),
        ("/staff/statistics", "statistics"),
        ("/staff/accounts", "accounts"),
        ("/staff/devices", "devices"),
    ],
)
def test_staff_pages_are_accessible(app, staff, new_page, path, name):
    page = new_page(LANDSCAPE)
    sign_in(page, app.url, "anna", "sv")
    page.goto(f"{app.url}{path}?lang=sv")
    expect(page.locator("h1")).to_be_visible()
    shot(page, f"staff-{name}-sv", full_page=True)
    check_axe(page, f"staff-{name}-sv")


def test_the_statistics_csv_equals_the_events_recorded_in_this_session(app, staff, stack, new_page):
    """After the conversations above (forms handed out, a resolved handoff, feedback), the admin's CSV
    counts every service event of the database exactly once."""
    import csv
    import datetime as dt
    import sqlite3
    from collections import Counter

    page = new_page(LANDSCAPE)
    sign_in(page, app.url, "anna")
    # Feedback counts only for a conversation that had a matter (issue 12): this one was handed over.
    CaseStore(engine=open_database(f"sqlite:///{stack.app_db}")).create_case(
        point_id="example-point",
        conversation_id="stats-check-0001",
        language="fi",
        channel="kiosk",
        reason="customer_request",
        services=[],
        forms=[],
        intents=[],
        summary="",
    )
    feedback = page.request.post(
        f"{app.url}/api/feedback",
        data={
            "conversation_id": "stats-check-0001",
            "point": "example-point",
            "channel": "kiosk",
            "language": "fi",
            "authority": "tax",
            "rating": 4,
        },
    )
    assert feedback.ok, feedback.text()
    with sqlite3.connect(stack.app_db) as connection:
        rows = connection.execute(
            "SELECT occurred_at, authority, category, event_type FROM service_events WHERE point_id = 'example-point'"
        ).fetchall()
    year = dt.datetime.now(HELSINKI).year
    expected = Counter()
    for occurred_at, authority, category, event_type in rows:
        local = dt.datetime.fromisoformat(occurred_at).replace(tzinfo=dt.UTC).astimezone(HELSINKI)
        if local.year == year:
            expected[(f"{local:%Y-%m}", authority, category, event_type)] += 1
    assert ("tax", "feedback", "feedback_recorded") in {key[1:] for key in expected}

    response = page.request.get(f"{app.url}/staff/statistics.csv?year={year}&lang=fi")
    assert response.ok and "attachment" in response.headers["content-disposition"]
    lines = response.body().decode("utf-8-sig").splitlines()
    found = Counter(
        {
            (r["month"], r["authority"], r["category"], r["event_type"]): int(r["count"])
            for r in csv.DictReader(lines, delimiter=";")
        }
    )
    assert found == expected
    page.goto(f"{app.url}/staff/statistics?year={year}&lang=fi")
    expect(page.locator(tid("volume"))).to_be_visible()
    shot(page, "staff-statistics-fi", full_page=True)


def test_web_customer_gets_a_live_chat_with_the_advisor_on_duty_through_the_widget(open_point, new_page):
    app, site, stack = open_point
    if stack.holiday_today:
        pytest.skip("the point is closed on a public holiday, so there is no live chat today")
    advisor = new_page(LANDSCAPE)
    sign_in(advisor, app.url, "aino", "en")  # the open dashboard puts an advisor on duty

    customer = new_page(PHONE)
    feeds = []
    customer.on("response", lambda r: feeds.append((r.url, r.status)) if "/api/live/" in r.url else None)
    customer.goto(site.url("en"))
    customer.locator(tid("widget-open")).click()
    customer.locator(tid("widget-input")).fill("I want to talk to a real person")
    customer.locator(tid("widget-send")).click()
    queue = customer.locator(tid("widget-queue"))
    expect(queue).to_be_visible()
    ticket = re.search(r"A\d{3}", queue.inner_text()).group(0)

    card = case_card(advisor, ticket)
    expect(card).to_be_visible(timeout=5_000)
    expect(card.locator("[data-field=channel]")).to_have_text(re.compile("web", re.I))
    card.locator("form[data-action=takeover] button").click()
    expect(advisor).to_have_url(re.compile(r"/staff/cases/\d+"))
    advisor.locator("#message-text").fill("Hello, this is Aino from the service point.")
    advisor.locator("#message-form button[type=submit]").click()
    expect(customer.locator(tid("widget-advisor-message")).filter(has_text="this is Aino")).to_be_visible()
    # The live feed is a cross-origin EventSource from the municipality's page to the app.
    assert feeds and all(url.startswith(app.url) and status == 200 for url, status in feeds), feeds

    customer.locator(tid("widget-input")).fill("Thanks, I need help with a paper form")
    customer.locator(tid("widget-send")).click()
    expect(advisor.locator("#chat")).to_contain_text("I need help with a paper form")
    shot(customer, "staff-takeover-widget-en-360")

    # The case page shows the case's details open (resolve included): a click on the summary would close them.
    expect(advisor.locator("details.case-more")).to_have_attribute("open", "")
    advisor.locator("[data-action=resolve] select[name=outcome]").select_option("helped")
    advisor.locator("[data-action=resolve] select[name=pair]").select_option("kela:advice")
    advisor.locator("[data-action=resolve] button[type=submit]").click()
    expect(customer.locator(tid("widget-feedback-rating"))).to_be_visible()
    check_axe(customer, "widget-live-chat-en")
