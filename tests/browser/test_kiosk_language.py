"""The kiosk's language buttons during a conversation (issue 13): the assistant switches at once and the
quick replies of the old language leave the screen."""

from playwright.sync_api import expect

from tests.browser.helpers import shot
from tests.browser.ui import open_kiosk, send, tid


def test_a_language_button_mid_conversation_switches_and_replaces_the_old_buttons(app, page):
    open_kiosk(page, app.kiosk("fi"), "fi")
    send(page, "Hei")
    replies = page.locator(tid("quick-reply"))
    expect(replies.first).to_have_text("Mitä täällä voi hoitaa?")
    bots = page.locator(tid("msg-bot"))
    before = bots.count()

    page.locator(tid("lang-sv")).click()
    expect(bots.nth(before)).to_contain_text("svenska")
    # No Finnish button stays, and the hidden choice is no bubble of the customer's.
    expect(page.locator(tid("quick-reply")).filter(has_text="Mitä täällä voi hoitaa?")).to_have_count(0)
    expect(page.locator(tid("msg-user"))).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    shot(page, "kiosk-language-switch-sv")

    # The conversation goes on in Swedish: a short Finnish-looking answer does not switch it back.
    send(page, "ok")
    expect(bots.last).to_contain_text("Hur kan jag hjälpa dig?")
    expect(page.locator("html")).to_have_attribute("lang", "sv")


def test_a_first_greeting_in_swedish_on_a_finnish_kiosk_is_answered_in_swedish(app, page):
    # The screen's language goes along as page_language, a prior only: the message's own language wins.
    open_kiosk(page, app.kiosk("fi"), "fi")
    send(page, "hejsan hejsan")
    expect(page.locator(tid("msg-bot")).last).to_contain_text("Hej! Jag är samservicepunktens")
