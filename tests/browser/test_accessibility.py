"""axe-core (WCAG 2.0 and 2.1, A and AA) on the kiosk's screens and the open widget in fi, sv and
en: no serious or critical violation. Screenshots of each, and of the start screen in both
orientations."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LANDSCAPE, PHONE, PORTRAIT
from tests.browser.helpers import check_axe, shot
from tests.browser.ui import FORM_REQUESTS, open_kiosk, send, ticket_of, tid

LANGS = ["fi", "sv", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_start_screen(app, new_page, lang):
    for name, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        page = new_page(viewport)
        open_kiosk(page, app.kiosk(lang), lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator(tid("privacy-notice"))).to_be_visible()
        expect(page.locator(f'{tid("life-tile")}[data-code="KE4.2"]')).to_be_visible()
        expect(page.locator(tid("call-advisor")).filter(visible=True).first).to_be_visible()
        shot(page, f"kiosk-start-{lang}-{name}")
        if name == "portrait":
            check_axe(page, f"kiosk-start-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_language_buttons_switch_the_page(app, page, lang):
    other = "en" if lang == "fi" else "fi"
    open_kiosk(page, app.kiosk(other), other)
    page.locator(tid(f"lang-{lang}")).click()
    expect(page.locator(tid(f"lang-{lang}"))).to_have_attribute("aria-pressed", "true")
    expect(page.locator(tid(f"lang-{other}"))).to_have_attribute("aria-pressed", "false")
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_with_a_form_card(app, page, lang):
    message, code = FORM_REQUESTS[lang]
    open_kiosk(page, app.kiosk(lang), lang)
    send(page, message)
    card = page.locator(f'{tid("form-card")}[data-code^="{code}"]')
    expect(card).to_be_visible()
    expect(card.locator(tid("form-print"))).to_be_visible()
    expect(card.locator(tid("form-ask-paper"))).to_be_visible()
    shot(page, f"kiosk-form-card-{lang}", full_page=True)
    check_axe(page, f"kiosk-form-card-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_handoff_screen(app, page, lang):
    open_kiosk(page, app.kiosk(lang), lang)
    page.locator(tid("call-advisor")).filter(visible=True).first.click()
    ticket_of(page)
    shot(page, f"kiosk-handoff-{lang}")
    check_axe(page, f"kiosk-handoff-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_widget_open(app, site, new_page, lang):
    page = new_page(PHONE)
    page.goto(site.url(lang))
    page.locator(tid("widget-open")).click()
    expect(page.locator(tid("widget-panel"))).to_be_visible()
    send(page, FORM_REQUESTS[lang][0], input_id="widget-input", send_id="widget-send")
    expect(page.locator(tid("form-link")).first).to_be_visible()
    shot(page, f"widget-open-{lang}-360")
    check_axe(page, f"widget-open-{lang}")
