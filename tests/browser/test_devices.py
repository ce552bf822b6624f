"""Kiosk devices in Chromium (issue 12): an admin registers a kiosk and sees its enrolment link once, the kiosk's
browser enrols through the real page and its handoff counts as a kiosk's; revoked, it is a web client again."""

from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import expect

from tests.browser.conftest import LANDSCAPE, POINT
from tests.browser.helpers import check_axe, shot
from tests.browser.test_staff import sign_in, staff  # noqa: F401 (a fixture: the advisor and the admin)
from tests.browser.ui import ticket_of, tid


def case_channel(db, ticket: str) -> str:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT channel FROM handoff_cases WHERE ticket = ? AND point_id = ? ORDER BY id DESC", (ticket, POINT)
        ).fetchone()[0]


def test_admin_registers_a_kiosk_that_enrols_once_and_is_revoked(app, staff, new_page):  # noqa: F811
    admin = new_page(LANDSCAPE)
    sign_in(admin, app.url, "anna")
    admin.get_by_role("link", name="Kioskit").click()
    expect(admin.locator("h1")).to_have_text("Kioskilaitteet")
    admin.locator("#device-name").fill("Aula, oven vieressä")
    admin.get_by_role("button", name="Rekisteröi").click()

    enrol = admin.locator(tid("device-enrol"))
    expect(enrol).to_be_visible()
    expect(enrol.locator("svg")).to_be_visible()  # the QR code
    link = admin.locator(tid("device-enrol-link")).input_value()
    assert re.fullmatch(rf"{re.escape(app.url)}/kiosk/enrol\?token=[A-Za-z0-9_-]{{43}}", link)
    shot(admin, "staff-devices-enrol-fi", full_page=True)
    check_axe(admin, "staff-devices-enrol-fi")
    # Shown once: the page after "Done" (and any reload) lists the kiosk, never the link again.
    admin.get_by_role("link", name="Valmis").click()
    row = admin.locator("tr", has_text="Aula, oven vieressä")
    expect(row).to_contain_text("ei koskaan")
    assert link.split("=", 1)[1] not in admin.content()
    shot(admin, "staff-devices-list-fi", full_page=True)

    # The kiosk's browser opens the link and confirms; from then on it is the point's kiosk.
    kiosk = new_page()
    kiosk.goto(f"{link}&lang=fi")
    expect(kiosk.locator(tid("kiosk-enrol"))).to_contain_text("Aula, oven vieressä")
    check_axe(kiosk, "kiosk-enrol-fi")
    kiosk.locator(tid("kiosk-enrol-confirm")).click()
    expect(kiosk.locator(tid("start-screen"))).to_be_visible()
    expect(kiosk.locator(tid("lang-fi"))).to_have_attribute("aria-pressed", "true")  # the kiosk's script runs
    (cookie,) = [c for c in kiosk.context.cookies() if c["name"] == "kiosk_device"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    assert kiosk.evaluate("document.cookie") == ""  # no script can read it
    kiosk.locator(tid("call-advisor")).filter(visible=True).first.click()
    assert case_channel(app.db, ticket_of(kiosk)) == "kiosk"
    admin.reload()
    expect(row).not_to_contain_text("ei koskaan")  # last seen now

    # Revoke, after a confirmation; the same browser is a web client from its next request on.
    row.get_by_role("link", name=re.compile("Poista käytöstä")).click()
    expect(admin.locator("h1")).to_have_text("Poistetaanko kioski käytöstä?")
    check_axe(admin, "staff-devices-revoke-fi")
    shot(admin, "staff-devices-revoke-fi", full_page=True)
    admin.get_by_role("button", name="Kyllä, poista käytöstä").click()
    expect(admin.locator(".notice.ok")).to_contain_text("Aula, oven vieressä")
    expect(admin.locator("tr", has_text="Aula, oven vieressä")).to_contain_text("Poistettu käytöstä")
    response = kiosk.request.post(
        f"{app.url}/api/handoff",
        data={"conversation_id": "revoked-kiosk-01", "point": POINT, "language": "fi", "channel": "kiosk"},
    )
    # A web customer: refused while the point is closed or nobody is on duty, else a web case.
    if response.status == 409:
        assert response.json()["reason"] in ("closed", "no_advisor")
    else:
        assert response.ok and case_channel(app.db, response.json()["ticket"]) == "web"
