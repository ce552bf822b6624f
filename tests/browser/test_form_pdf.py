"""Real forms at the kiosk (issue 15): an editor uploads a form's PDF at /staff/forms, and the kiosk's Print on that
form's card prints the sheet and then opens the PDF itself in the print path. Needs no Rasa: the form card comes
from the gateway's answer as the assistant would send it (the payload of service_catalogue.views.form_payload)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from service_catalogue.loader import load_catalogue
from service_catalogue.views import form_payload
from store.accounts import AccountStore
from store.db import open_database
from tests.browser.conftest import LANDSCAPE, PORTRAIT, App
from tests.browser.helpers import ARTIFACTS, check_axe, shot
from tests.browser.test_staff import PASSWORD
from tests.browser.test_statistics_report import NoRasa
from tests.browser.ui import COUNT_PRINTS, open_kiosk, tid
from tests.kiosk_ui.test_forms import a_pdf

# The example catalogue's general housing allowance form: its English variant is written "AT 1e".
CODE, LANG, VARIANT = "AT 1", "en", "AT 1e"


@pytest.fixture(scope="module")
def forms_app(tmp_path_factory):
    """A web app with an editor, keeping form PDFs in the test's folder."""
    stub = NoRasa(tmp_path_factory.mktemp("forms"))
    engine = open_database(f"sqlite:///{stub.app_db}")
    AccountStore(engine).create("eero", PASSWORD, "editor")
    engine.dispose()
    env = {"FORM_FILES_DIR": str(stub.root / "forms")}
    with App("forms", stub.root, stub, db=stub.app_db, env=env) as app:  # type: ignore[arg-type]
        yield app


def sign_in_editor(page, base: str) -> None:
    page.goto(f"{base}/staff/login?lang=fi")
    page.locator("#username").fill("eero")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff\?lang="))


def answer_with_a_form_card(page, code: str, lang: str) -> None:
    """The gateway's answer to the next message: the assistant's card of the form, as actions/topics.py sends it."""
    cat = load_catalogue()
    form = cat.forms[code]
    payload = form_payload(form, lang, cat.authorities[form["authority"]])
    reply = {
        "messages": [
            {"recipient_id": "kiosk", "text": f"{payload['variant']}: {payload['title']}"},
            {"recipient_id": "kiosk", "custom": payload},
        ],
        "degraded": False,
        "echo": f"{code} form",
    }
    page.route("**/api/chat", lambda route: route.fulfill(status=200, json=reply))


def form_card(page, code: str, lang: str):
    """Ask the kiosk for the form; its card."""
    answer_with_a_form_card(page, code, lang)
    page.locator(tid("chat-input")).fill(f"{code} form")
    page.locator(tid("chat-send")).click()
    card = page.locator(tid("form-card"))
    expect(card).to_be_visible()
    return card


def test_an_uploaded_form_pdf_prints_from_the_kiosks_form_card(forms_app, new_page, tmp_path):
    # The editor uploads the form's English PDF.
    editor = new_page(LANDSCAPE)
    sign_in_editor(editor, forms_app.url)
    editor.goto(f"{forms_app.url}/staff/forms?lang=en")
    variant = editor.locator(tid("staff-form")).filter(has_text=VARIANT).locator(tid("form-variant"))
    row = variant.and_(editor.locator("[data-lang='en']"))
    pdf = tmp_path / "AT 1e.pdf"
    pdf.write_bytes(a_pdf("TEST form AT 1e"))
    row.locator(tid("form-pdf-file")).set_input_files(pdf)
    row.locator(tid("form-pdf-upload")).click()
    expect(editor.locator(tid("forms-done"))).to_be_visible()
    expect(row.locator(tid("form-variant-pdf"))).to_contain_text("eero")
    shot(editor, "form-pdf-staff-en")
    check_axe(editor, "staff-forms-en")

    # The customer at the kiosk gets the form card; it says the form prints here, and shows the code as Kela
    # writes it.
    kiosk = new_page(PORTRAIT)
    kiosk.context.add_init_script(COUNT_PRINTS)
    pdf_responses = []
    kiosk.context.on(
        "response", lambda r: pdf_responses.append(r) if r.url.endswith(f"/forms/AT%201/{LANG}.pdf") else None
    )
    open_kiosk(kiosk, forms_app.kiosk(LANG), LANG)
    card = form_card(kiosk, CODE, LANG)
    expect(card.locator(tid("form-prints-here"))).to_be_visible()
    assert VARIANT in card.locator(".card-kicker").inner_text()  # rendered text: "AT 1e", never "AT 1E"
    shot(kiosk, "form-pdf-card-en")

    # Print: the sheet prints, then the PDF opens in the same window and is printed from there.
    with kiosk.context.expect_page() as opened:
        card.locator(tid("form-print")).click()
    sheet = opened.value
    sheet.wait_for_load_state()
    assert "/print/form/" in sheet.url and f"lang={LANG}" in sheet.url
    expect(sheet.locator(tid("form-prints-next"))).to_be_visible()
    frame = sheet.locator(tid("form-pdf-frame"))
    expect(frame).to_have_attribute("src", f"/forms/AT%201/{LANG}.pdf")
    expect(sheet.locator("html")).to_have_attribute("data-form-pdf", "printed")
    assert sheet.evaluate("() => window.__prints || 0") >= 1  # the sheet itself printed first
    assert pdf_responses and pdf_responses[0].status == 200
    assert pdf_responses[0].headers["content-type"] == "application/pdf"
    assert pdf_responses[0].headers["content-disposition"].startswith("inline")
    sheet.wait_for_timeout(1500)  # the PDF viewer draws the page
    shot(sheet, "form-pdf-print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sheet.screenshot(path=ARTIFACTS / "form-pdf-print.png")
    print(f"\nthe PDF in the print path: {json.dumps(dict(pdf_responses[0].headers))[:200]}")


def test_without_a_pdf_the_sheet_says_the_advisor_has_it_and_asks_for_one(forms_app, new_page):
    kiosk = new_page(PORTRAIT)
    kiosk.context.add_init_script(COUNT_PRINTS)
    open_kiosk(kiosk, forms_app.kiosk("fi"), "fi")
    card = form_card(kiosk, "5010", "fi")
    kiosk.wait_for_timeout(500)  # the list of PDFs has been asked
    expect(card.locator(tid("form-prints-here"))).to_have_count(0)
    asked = []

    def handoff(route):
        asked.append(route.request.post_data_json)
        route.fulfill(status=200, json={"ticket": "A123"})

    kiosk.route("**/api/handoff", handoff)
    with kiosk.context.expect_page() as opened:
        card.locator(tid("form-print")).click()
    sheet = opened.value
    sheet.wait_for_load_state()
    expect(sheet.locator(tid("form-paper"))).to_be_visible()
    assert sheet.locator(tid("form-pdf-frame")).count() == 0
    button = sheet.locator(tid("sheet-ask-paper"))
    expect(button).to_be_visible()  # the window stays open after printing, so it can be pressed
    shot(sheet, "form-paper-sheet-fi", full_page=True)
    check_axe(sheet, "print-form-paper-fi")
    with sheet.expect_event("close"):
        # Pressed from a task of the page's own, since the press closes the window under Playwright's click.
        sheet.evaluate("() => setTimeout(() => document.querySelector('[data-testid=sheet-ask-paper]').click())")
    expect(kiosk.locator(tid("handoff-screen"))).to_be_visible()
    assert asked and asked[0]["reason"] == "paper_form" and asked[0]["form"] == "5010"
