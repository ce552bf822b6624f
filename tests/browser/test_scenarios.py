"""The kiosk and the website widget in Chromium against the real stack (issue 4's scenarios)."""

import sqlite3
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Frame, expect

from tests.browser.conftest import IDLE_SECONDS, PHONE, POINT, WIPE_SECONDS
from tests.browser.helpers import shot
from tests.browser.ui import (
    COUNT_PRINTS,
    FORM_REQUESTS,
    chat_conversations,
    conversation_leftovers,
    open_kiosk,
    open_print,
    send,
    ticket_of,
    tid,
)

SLACK_MS = 15_000  # on top of a timer: a busy 2-core CI machine


def case_row(db, ticket: str) -> tuple:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT point_id, language, channel FROM handoff_cases WHERE ticket = ? ORDER BY id DESC", (ticket,)
        ).fetchone()


def test_1_swedish_moving_tile_gives_a_form_card_and_its_print_sheet(app, new_page):
    page = new_page()
    open_kiosk(page, app.kiosk("sv"), "sv")
    page.locator(f'{tid("life-tile")}[data-code="KE4.2"]').click()
    expect(page.locator(tid("checklist"))).to_be_visible()
    expect(page.locator(tid("msg-bot")).first).to_be_visible()
    card = page.locator(f'{tid("form-card")}[data-code^="AT 1"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("AT 1r")  # the Swedish variant of the housing allowance form
    shot(page, "scenario-1-sv-moving-form-card", full_page=True)

    page.context.add_init_script(COUNT_PRINTS)
    sheet_frame = open_print(page, card.locator(tid("form-print")))
    url = urlparse(sheet_frame.url)
    assert url.path.startswith("/print/form/") and parse_qs(url.query).get("lang") == ["sv"], sheet_frame.url
    sheet = sheet_frame.locator(tid("print-sheet"))
    expect(sheet).to_be_attached()
    expect(sheet).to_contain_text("AT 1r")
    expect(sheet_frame.locator(tid("qr"))).to_be_attached()
    expect(sheet_frame.locator("html")).to_have_attribute("lang", "sv")
    if isinstance(sheet_frame, Frame) and sheet_frame is not page.main_frame:  # the kiosk's print frame
        page.wait_for_function("() => window.__prints > 0")
    # The sheet as it prints, on a page of its own (A4 at 96 dpi).
    sheet_page = new_page({"width": 794, "height": 1123})
    sheet_page.goto(sheet_frame.url)
    expect(sheet_page.locator(tid("print-sheet"))).to_be_visible()
    expect(sheet_page.locator(tid("qr"))).to_be_visible()
    shot(sheet_page, "scenario-1-sv-moving-print-sheet", full_page=True)


def test_2_finnish_customer_asks_for_the_advisor_and_gets_a_ticket(app, stack, page):
    open_kiosk(page, app.kiosk("fi"), "fi")
    page.locator(tid("chat-input")).fill("Haluan puhua ihmisen kanssa")
    page.locator(tid("chat-send")).click()
    ticket = ticket_of(page)
    shot(page, "scenario-2-fi-advisor-ticket")
    assert case_row(stack.app_db, ticket) == (POINT, "fi", "kiosk")


def feedback_rows(db) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(*) FROM feedback").fetchone()[0]


def test_2b_feedback_without_a_matter_is_refused_in_the_customers_words(app, stack, page):
    before = feedback_rows(stack.app_db)
    open_kiosk(page, app.kiosk("fi"), "fi")
    send(page, "Haluan antaa palautetta")
    rating = page.locator(tid("feedback-rating"))
    expect(rating).to_be_visible()
    rating.locator("[data-rating='4']").click()
    page.locator(tid("feedback-send")).click()
    # Nothing was handled yet: the gateway refuses (409) and the card becomes its message, not a network error.
    expect(page.locator(tid("chat-note")).last).to_contain_text("kun asiasi on hoidettu")
    expect(page.locator(tid("feedback-rating"))).to_have_count(0)
    shot(page, "scenario-2b-fi-feedback-refused")
    assert feedback_rows(stack.app_db) == before


def test_3_idle_wipe_leaves_nothing_behind_even_after_back(idle_app, page):
    message, code = FORM_REQUESTS["fi"]
    conversations = chat_conversations(page)
    page.goto(idle_app.url + "/")  # a page of the same origin before the kiosk, so Back has somewhere to go
    open_kiosk(page, idle_app.kiosk("fi"), "fi")
    send(page, message)
    expect(page.locator(f'{tid("form-card")}[data-code^="{code}"]')).to_be_visible()

    prompt = page.locator(tid("idle-prompt"))
    expect(prompt).to_be_visible(timeout=(IDLE_SECONDS + 1) * 1000 + SLACK_MS)
    shot(page, "scenario-3-idle-prompt")
    expect(page.locator(tid("start-screen"))).to_be_visible(timeout=(WIPE_SECONDS + 1) * 1000 + SLACK_MS)
    expect(prompt).to_be_hidden()
    words = [message, "AT 1"]
    assert conversation_leftovers(page, words) == []
    shot(page, "scenario-3-after-wipe")

    kiosk_url = page.url
    page.go_back()
    page.wait_for_load_state()
    assert conversation_leftovers(page, words) == [], f"after Back ({kiosk_url} -> {page.url})"
    shot(page, "scenario-3-after-back")
    if "/kiosk" not in page.url:  # Back left the kiosk: Forward must not bring the conversation back
        page.go_forward()
        page.wait_for_load_state()
        assert conversation_leftovers(page, words) == [], f"after Back and Forward ({page.url})"
    # The next customer starts a new conversation: nothing of the last one on the server side either.
    assert "/kiosk" in page.url, page.url
    expect(page.locator(tid("start-screen"))).to_be_visible()
    send(page, "Hei")
    assert len(set(conversations)) == 2 and None not in conversations, conversations


def test_3b_continue_on_the_idle_prompt_keeps_the_conversation(idle_app, page):
    message, code = FORM_REQUESTS["en"]
    open_kiosk(page, idle_app.kiosk("en"), "en")
    send(page, message)
    prompt = page.locator(tid("idle-prompt"))
    expect(prompt).to_be_visible(timeout=(IDLE_SECONDS + 1) * 1000 + SLACK_MS)
    page.locator(tid("idle-continue")).click()
    expect(prompt).to_be_hidden()
    expect(page.locator(tid("msg-user")).filter(has_text=message)).to_be_visible()
    expect(page.locator(f'{tid("form-card")}[data-code^="{code}"]')).to_be_visible()


def test_4_widget_on_another_origin_chats_in_english(app, site, new_page):
    page = new_page(PHONE)
    chat_calls = []
    page.on("response", lambda r: chat_calls.append((r.url, r.status)) if "/api/chat" in r.url else None)
    page.goto(site.url("en"))
    assert urlparse(page.url).port != app.port  # the site really is another origin
    page.locator(tid("widget-open")).click()
    panel = page.locator(tid("widget-panel"))
    expect(panel).to_be_visible()
    message, _code = FORM_REQUESTS["en"]
    send(page, message, input_id="widget-input", send_id="widget-send")
    link = page.locator(tid("form-link")).first
    expect(link).to_be_visible()
    assert link.get_attribute("href").startswith("https://")
    expect(panel).to_contain_text("SV 8e")
    shot(page, "scenario-4-widget-en-360")
    assert chat_calls and all(url.startswith(app.url + "/api/chat") and status == 200 for url, status in chat_calls), (
        chat_calls
    )

    page.locator(tid("widget-clear")).click()
    expect(page.locator(tid("msg-user"))).to_have_count(0)
    expect(page.locator(tid("form-link"))).to_have_count(0)


def test_5_rasa_down_the_kiosk_still_hands_over_to_the_advisor(dead_rasa_app, page):
    open_kiosk(page, dead_rasa_app.kiosk("fi"), "fi")
    page.locator(tid("chat-input")).fill("Tarvitsen apua")
    page.locator(tid("chat-send")).click()
    expect(page.locator(tid("msg-error"))).to_be_visible()
    shot(page, "scenario-5-rasa-down-error")
    page.locator(tid("call-advisor")).first.click()
    ticket = ticket_of(page)
    shot(page, "scenario-5-rasa-down-ticket")
    assert case_row(dead_rasa_app.db, ticket) == (POINT, "fi", "kiosk")
