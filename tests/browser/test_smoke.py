"""The browser infrastructure itself: Debian's Chromium under Playwright, axe-core from npm, the app
under uvicorn on the real stack."""

from playwright.sync_api import expect

from tests.browser.helpers import check_axe, run_axe, shot


def test_chromium_is_debians(browser):
    assert browser.version.split(".")[0].isdigit()


def test_axe_runs_despite_a_strict_content_security_policy(page):
    """axe is injected over the DevTools protocol, so a page's CSP cannot keep it out; and it does
    find a violation (an image without a text alternative)."""
    page.route(
        "http://127.0.0.1:9/csp",
        lambda route: route.fulfill(
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'"},
            body='<!doctype html><html lang="en"><title>t</title><main><img src="x.png"></main></html>',
        ),
    )
    page.goto("http://127.0.0.1:9/csp")
    ids = [v["id"] for v in run_axe(page)["violations"]]
    assert "image-alt" in ids


def test_status_page_shows_every_part_up_and_passes_axe(app, page):
    page.goto(app.url + "/")
    expect(page.locator("body")).to_contain_text("rasa")
    expect(page.locator(".down")).to_have_count(0)
    shot(page, "status-page")
    check_axe(page, "status-page")
