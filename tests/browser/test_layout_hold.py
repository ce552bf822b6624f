"""The kiosk and the widget hold their place (issue 14): a long kiosk chat ended by the advisor keeps the
header, the language buttons and the input on screen, only the conversation scrolls; the widget reopened
after a page load shows the newest message."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from store.cases import CaseStore
from store.db import open_database
from tests.browser.conftest import LANDSCAPE, PHONE, POINT, PORTRAIT
from tests.browser.helpers import check_axe, shot
from tests.browser.ui import FORM_REQUESTS, open_kiosk, send, ticket_of, tid

# Questions whose answers are long (form cards, checklists): a few make the conversation taller than the screen.
LONG_ANSWERS = [FORM_REQUESTS["fi"][0], "Jäin työttömäksi, mitä nyt pitää tehdä?", "Tarvitsen lomakkeen AT 1"]

# Where the fixed parts of the kiosk are, and how far the page and the conversation are scrolled.
KIOSK_LAYOUT = """() => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const main = document.querySelector("#main");
  return {
    scrollY: window.scrollY,
    rootScrollTop: document.scrollingElement.scrollTop,
    bodyScrollTop: document.body.scrollTop,
    headerTop: box(".k-header").top,
    langsTop: box(".langs").top,
    inputBottom: box("#chat-input").bottom,
    barBottom: box("#bar").bottom,
    viewportHeight: window.innerHeight,
    documentHeight: document.scrollingElement.scrollHeight,
    mainScrollTop: main.scrollTop,
    mainScrollHeight: main.scrollHeight,
    mainClientHeight: main.clientHeight,
  };
}"""

# Smooth scrolling takes a moment: the layout is read once it stops changing.
SETTLED = """() => new Promise((resolve) => {
  const main = document.querySelector("#main");
  let last = "";
  let same = 0;
  const tick = () => {
    const now = [window.scrollY, main.scrollTop].join(",");
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 10) resolve(true); else requestAnimationFrame(tick);
  };
  tick();
})"""


def kiosk_layout(page: Page) -> dict:
    page.evaluate(SETTLED)
    return page.evaluate(KIOSK_LAYOUT)


def assert_in_place(layout: dict, when: str) -> None:
    """The page itself never scrolls: header at the top, input above the bottom of the screen."""
    assert layout["scrollY"] == 0 and layout["rootScrollTop"] == 0 and layout["bodyScrollTop"] == 0, (when, layout)
    assert layout["headerTop"] == 0 and layout["langsTop"] >= 0, (when, layout)
    assert layout["inputBottom"] <= layout["viewportHeight"], (when, layout)
    assert abs(layout["barBottom"] - layout["viewportHeight"]) <= 1, (when, layout)
    assert layout["documentHeight"] <= layout["viewportHeight"], (when, layout)


@pytest.mark.parametrize("name,viewport", [("portrait", PORTRAIT), ("landscape", LANDSCAPE)])
def test_a_long_kiosk_chat_ended_by_the_advisor_keeps_the_header_and_input_in_place(app, stack, page, name, viewport):
    page.set_viewport_size(viewport)
    open_kiosk(page, app.kiosk("fi"), "fi")
    page.locator(f'{tid("life-tile")}[data-code="KE4.2"]').click()  # moving: a checklist and its forms
    expect(page.locator(tid("checklist"))).to_be_visible()
    for message in LONG_ANSWERS:
        send(page, message)
    layout = kiosk_layout(page)
    assert layout["mainScrollHeight"] > layout["mainClientHeight"] + 200, f"the chat is too short to scroll: {layout}"
    assert_in_place(layout, "during the chat")

    page.locator(tid("call-advisor")).filter(visible=True).first.click()
    ticket = ticket_of(page)
    cases = CaseStore(engine=open_database(f"sqlite:///{stack.app_db}"))
    case = next(case for case in cases.open_cases(POINT) if case["ticket"] == ticket)
    # The advisor's side through the store, as the staff routes call it (test_staff.py drives their pages).
    cases.take_over(case["id"], "aino")
    expect(page.locator(tid("chat-note")).last).to_contain_text("Palveluneuvoja tuli mukaan")
    for line in ("Hei, olen Aino.", "Katsotaan asiaasi yhdessä.", "Tässä on vielä ohje lomakkeen täyttämiseen."):
        cases.add_message(case["id"], "aino", line)
        expect(page.locator(tid("advisor-message")).filter(has_text=line)).to_be_visible()
    before = kiosk_layout(page)
    print(f"\n{name} before the end: {before}")
    assert_in_place(before, "while the advisor chats")
    shot(page, f"layout-hold-kiosk-{name}-before-end")

    cases.resolve(case["id"], "aino", "helped", authority="kela", category="advice")
    expect(page.locator(tid("feedback-rating"))).to_be_visible()
    after = kiosk_layout(page)
    print(f"{name} after the end: {after}")
    shot(page, f"layout-hold-kiosk-{name}-after-end")
    assert_in_place(after, "after the case ended")
    assert after["headerTop"] == before["headerTop"] and after["inputBottom"] == before["inputBottom"]
    # The end is shown: the conversation scrolled inside its own box to the note that the case ended.
    ended = page.locator(tid("chat-note")).filter(has_text="päätti keskustelun").last
    expect(ended).to_be_in_viewport()
    assert after["mainScrollTop"] > 0, after
    # Focus moving into the feedback card (keyboard, screen reader) scrolls the conversation, not the page.
    page.locator(tid("feedback-text")).focus()
    assert_in_place(kiosk_layout(page), "with the feedback text focused")
    if name == "portrait":
        check_axe(page, "kiosk-case-ended-fi")


def widget_scroll(page: Page) -> dict:
    return page.evaluate(
        """() => {
          const root = document.querySelector("[data-asiointi-widget]").shadowRoot;
          const body = root.querySelector(".w-body");
          const newest = root.querySelector(".log").lastElementChild.getBoundingClientRect();
          const box = body.getBoundingClientRect();
          return {scrollTop: body.scrollTop, scrollHeight: body.scrollHeight, clientHeight: body.clientHeight,
                  newestBottom: newest.bottom, boxBottom: box.bottom};
        }"""
    )


def at_the_bottom(scroll: dict) -> bool:
    return scroll["scrollTop"] + scroll["clientHeight"] >= scroll["scrollHeight"] - 2


def test_the_widget_reopens_at_the_newest_message_after_a_page_load(app, site, new_page):
    page = new_page(PHONE)
    page.goto(site.url("fi"))
    page.locator(tid("widget-open")).click()
    for message in LONG_ANSWERS:
        send(page, message, input_id="widget-input", send_id="widget-send")
    scroll = widget_scroll(page)
    assert scroll["scrollHeight"] > scroll["clientHeight"] + 200, f"the conversation is too short to scroll: {scroll}"

    # Open when the page was left: the panel opens itself on the next page, at the newest message.
    page.reload()
    expect(page.locator(tid("widget-panel"))).to_be_visible()
    expect(page.locator(tid("msg-user")).last).to_be_attached()
    scroll = widget_scroll(page)
    print(f"\nwidget reopened by itself after a reload: {scroll}")
    shot(page, "layout-hold-widget-reloaded-open")
    assert at_the_bottom(scroll), scroll
    assert scroll["newestBottom"] <= scroll["boxBottom"] + 1, scroll

    # Closed when the page was left: the launcher opens it at the newest message too.
    page.locator(tid("widget-close")).click()
    page.reload()
    page.locator(tid("widget-open")).click()
    expect(page.locator(tid("widget-panel"))).to_be_visible()
    scroll = widget_scroll(page)
    print(f"widget opened with the launcher after a reload: {scroll}")
    shot(page, "layout-hold-widget-reloaded-launcher")
    assert at_the_bottom(scroll), scroll
    check_axe(page, "widget-reopened-fi")
