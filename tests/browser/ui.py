"""Steps on the kiosk and the widget, by the UI's stable data-testid selectors."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.helpers import KIOSK_SECRETS

TICKET = re.compile(r"A\d{3}")
# Form requests that the e2e tests already know to answer with a form card (code, language variant).
FORM_REQUESTS = {
    "fi": ("Tarvitsen lomakkeen yleistä asumistukea varten", "AT 1"),
    "sv": ("Var hittar jag blanketten för barnbidrag?", "LL 1"),
    "en": ("Where can I get the application form for sickness allowance?", "SV 8"),
}


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def enrol_as_kiosk(page: Page, url: str) -> None:
    """Give the page's browser context the device cookie of the app's registered kiosk, as enrolment does."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    cookie = {"name": "kiosk_device", "value": KIOSK_SECRETS[origin], "url": origin, "httpOnly": True}
    page.context.add_cookies([{**cookie, "sameSite": "Strict"}])


def open_kiosk(page: Page, url: str, lang: str) -> None:
    """Open the kiosk in a browser enrolled as the app's kiosk (only then do its requests count as one)."""
    enrol_as_kiosk(page, url)
    page.goto(url)
    expect(page.locator(tid("start-screen"))).to_be_visible()
    expect(page.locator(tid(f"lang-{lang}"))).to_have_attribute("aria-pressed", "true")


def send(page: Page, text: str, *, input_id: str = "chat-input", send_id: str = "chat-send") -> None:
    """Type a message and send it; waits for it to show as the customer's and for a new answer."""
    bots = page.locator(tid("msg-bot"))
    before = bots.count()
    page.locator(tid(input_id)).fill(text)
    page.locator(tid(send_id)).click()
    expect(page.locator(tid("msg-user")).filter(has_text=text)).to_be_visible()
    expect(bots.nth(before)).to_be_visible()


def ticket_of(page: Page) -> str:
    screen = page.locator(tid("handoff-screen"))
    expect(screen).to_be_visible()
    ticket = page.locator(tid("ticket-number"))
    expect(ticket).to_have_text(TICKET)
    return TICKET.search(ticket.inner_text()).group(0)


# Counts window.print() calls in any frame instead of opening a print dialog.
COUNT_PRINTS = """window.print = () => { window.top.__prints = (window.top.__prints || 0) + 1; };"""


def open_print(page: Page, link):
    """Follow a print link, wherever the UI loads the sheet: a new tab, the same tab, or a hidden
    frame that prints itself (the kiosk). The page or frame holding the sheet."""
    context = page.context
    pages_before = list(context.pages)
    frames_before = list(page.frames)
    link.click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        new = [p for p in context.pages if p not in pages_before]
        if new:
            new[0].wait_for_load_state()
            return new[0]
        if "/print/" in page.url:
            page.wait_for_load_state()
            return page
        frames = [f for f in page.frames if f not in frames_before and "/print/" in f.url]
        if frames:
            frames[0].wait_for_load_state()
            return frames[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"the print link opened no print page (still at {page.url})")


def chat_conversations(page: Page) -> list[str]:
    """Every conversation id the page sends to the gateway, in order (a live list)."""
    ids = []

    def note(request):
        if request.method == "POST" and "/api/chat" in request.url:
            ids.append((request.post_data_json or {}).get("conversation_id"))

    page.on("request", note)
    return ids


def prints(page: Page) -> int:
    """window.print() calls so far (the context must have COUNT_PRINTS as an init script)."""
    return page.evaluate("() => window.__prints || 0")


def conversation_leftovers(page: Page, words: list[str]) -> list[str]:
    """What of the conversation is still on the page or in its storage."""
    found = []
    text = page.locator("body").inner_text()
    for word in words:
        if word in text:
            found.append(f"page text has {word!r}")
    storage = page.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    for word in words:
        if word in storage:
            found.append(f"web storage has {word!r}: {storage[:300]}")
    cookies = json.dumps(page.context.cookies())
    for word in words:
        if word in cookies:
            found.append(f"cookies have {word!r}")
    for name in ("msg-user", "msg-bot", "form-card", "checklist", "handoff-screen"):
        if page.locator(tid(name)).filter(visible=True).count():
            found.append(f"{name} still shown")
    value = page.locator(tid("chat-input")).input_value() if page.locator(tid("chat-input")).count() else ""
    if value:
        found.append(f"chat input still holds {value!r}")
    return found
