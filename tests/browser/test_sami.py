"""The kiosk's "Sámegiella" entry in Chromium: a large enough target with its language marked, the same
answer as asking in words (a greeting in Sámi, the routes, the advisor), and axe on the answer."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_axe, shot
from tests.browser.ui import open_kiosk, tid

ENTRY = f'{tid("life-tile")}[data-code="sami"]'
ADVISOR = {"fi": "Puhu palveluneuvojan kanssa", "sv": "Tala med servicerådgivaren", "en": "Talk to the service advisor"}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_sami_entry_leads_to_the_sami_answer(app, page, lang):
    open_kiosk(page, app.kiosk(lang), lang)
    entry = page.locator(ENTRY)
    expect(entry).to_be_visible()
    expect(entry.locator('[lang="se"]')).to_have_text("Sámegiella")
    box = entry.bounding_box()
    assert box and box["height"] >= 48 and box["width"] >= 48
    entry.click()
    answer = page.locator(tid("msg-bot")).first
    expect(answer).to_contain_text("Buorre beaivi!")
    expect(answer).to_contain_text("020 634 4795")
    expect(page.locator(tid("quick-reply")).filter(has_text=ADVISOR[lang])).to_be_visible()
    # The conversation stays in the screen's language.
    expect(page.locator("html")).to_have_attribute("lang", lang)
    shot(page, f"kiosk-sami-{lang}", full_page=True)
    check_axe(page, f"kiosk-sami-{lang}")
