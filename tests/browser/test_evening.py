"""Issue 14's evening in Chromium on the real stack: customers on the kiosk and the widget (fi, sv, en) see forms,
book and call the advisor; the advisor claims and resolves on the dashboard, a wrong authority/category pair is
refused, an unresolved case expires at closing time; then the admin's report, CSV and Kela's sheet show exactly
what happened, and equal a GROUP BY of the events table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
from collections import Counter
from pathlib import Path

import yaml
from playwright.sync_api import Page, expect

from booking.hours import closes_after
from kiosk_ui.expiry import expire
from service_catalogue.loader import load_catalogue
from store.cases import CaseStore
from store.db import open_database
from store.rows import HELSINKI
from store.statistics import month_bounds
from tests.browser.conftest import LANDSCAPE, POINT
from tests.browser.helpers import check_axe, shot
from tests.browser.test_staff import case_card, make_staff, sign_in
from tests.browser.ui import open_kiosk, send, ticket_of, tid
from tests.e2e.conftest import ROOT

LAPTOP = {"width": 1366, "height": 768}
I18N = ROOT / "kiosk_ui" / "i18n"
# The same losing-a-job checklist as the KE8 tile, typed: its form cards come a second time.
LOST_JOB_FI = "Jäin työttömäksi, mitä nyt pitää tehdä?"
SICKNESS_FORM_EN = "Where can I get the application form for sickness allowance?"
# The impossible pair: DVV with Kela's advice. The dashboard never offers it, so the test adds it.
WRONG_PAIR = "dvv:advice"
KEYS = ("authority", "category", "actor", "event_type")


def group_by(db: Path, year: int, month: int, *columns: str) -> Counter:
    """The point's events of one Helsinki month, counted by the database itself."""
    start, end = month_bounds(year, month)
    sql = (
        f"SELECT {', '.join(columns)}, COUNT(*) FROM service_events WHERE point_id = ? "
        f"AND occurred_at >= ? AND occurred_at < ? GROUP BY {', '.join(columns)}"
    )
    with sqlite3.connect(db) as connection:
        return Counter({tuple(r[:-1]): r[-1] for r in connection.execute(sql, (POINT, str(start), str(end)))})


def book_in_chat(page: Page, message: str, phone: str, *, input_id: str, send_id: str) -> str:
    """Ask for an appointment and press the first button offered until the booking slip shows (the phone
    number typed where no button is offered): the slip's reference."""
    send(page, message, input_id=input_id, send_id=send_id)
    bots = page.locator(tid("msg-bot"))
    for _ in range(8):
        if page.locator(tid("booking-slip")).count():
            break
        before = bots.count()
        replies = page.locator(tid("quick-reply"))
        if replies.count():
            replies.first.click()
        else:  # the number shows redacted in the conversation, so `send` would not find it
            page.locator(tid(input_id)).fill(phone)
            page.locator(tid(send_id)).click()
        expect(bots.nth(before)).to_be_visible()
    slip = page.locator(tid("booking-slip"))
    expect(slip).to_be_visible()
    return slip.get_attribute("data-reference") or ""


def queue_text(count: int) -> str:
    """What the en kiosk says of the customers ahead (kiosk_ui/i18n/en.yml, chat)."""
    texts = yaml.safe_load((I18N / "en.yml").read_text(encoding="utf-8"))["chat"]
    if count == 0:
        return texts["queue_next"]
    return texts["queue_ahead_one"] if count == 1 else texts["queue_ahead"].format(count=count)


def table_figures(page: Page, table: str, key: str) -> Counter:
    """The nonzero cells of a report table's body: (row key, actor) -> count."""
    cells = page.evaluate(
        """([table, key]) => [...document.querySelectorAll(`${table} tbody tr`)].flatMap((row) =>
             [...row.querySelectorAll("td[data-actor]")].map((td) =>
               [row.dataset[key], td.dataset.actor, Number(td.textContent)]))""",
        [table, key],
    )
    return Counter({(row, actor): n for row, actor, n in cells if n})


def test_an_evening_of_customers_advisor_and_admin_ends_in_a_report_that_equals_the_events(app, stack, site, new_page):
    cat = load_catalogue()
    make_staff(stack.app_db)
    cases = CaseStore(engine=open_database(f"sqlite:///{stack.app_db}"))
    today = dt.datetime.now(HELSINKI)
    year, month = today.year, today.month
    # Earlier tests of the session share the database: the evening is what it adds.
    before = group_by(stack.app_db, year, month, *KEYS)
    shown_before = group_by(stack.app_db, year, month, "event_type", "service", "channel", "language")

    # The advisor is on duty in Swedish before the first customer comes.
    advisor = new_page(LAPTOP)
    sign_in(advisor, app.url, "aino", "sv")
    csrf = advisor.locator("input[name=csrf_token]").first.input_value()

    # 1. fi, kiosk: the losing-a-job tile, the same checklist typed, one of its forms asked for; then the advisor.
    fi = new_page()
    open_kiosk(fi, app.kiosk("fi"), "fi")
    fi.locator(f'{tid("life-tile")}[data-code="KE8"]').click()
    ke8 = [f["code"] for f in cat.life_situation_forms(cat.life_situations["KE8"])]
    expect(fi.locator(tid("form-card"))).to_have_count(len(ke8))
    send(fi, LOST_JOB_FI)
    expect(fi.locator(tid("form-card"))).to_have_count(2 * len(ke8))
    send(fi, "Tarvitsen lomakkeen AT 1")
    expect(fi.locator(f'{tid("form-card")}[data-code="AT 1"]')).to_have_count(3)
    fi.locator(tid("call-advisor")).filter(visible=True).first.click()
    ticket_fi = ticket_of(fi)

    # 2. sv, kiosk: the having-a-child tile, then the advisor.
    sv = new_page()
    open_kiosk(sv, app.kiosk("sv"), "sv")
    sv.locator(f'{tid("life-tile")}[data-code="KE1"]').click()
    ke1 = [f["code"] for f in cat.life_situation_forms(cat.life_situations["KE1"])]
    expect(sv.locator(tid("form-card"))).to_have_count(len(ke1))
    sv.locator(tid("call-advisor")).filter(visible=True).first.click()
    ticket_sv = ticket_of(sv)

    # 3. en, the widget on the municipality's page: the same form asked twice, and a phone appointment.
    web = new_page(LANDSCAPE)
    web.goto(site.url("en"))
    web.locator(tid("widget-open")).click()
    widget = {"input_id": "widget-input", "send_id": "widget-send"}
    send(web, SICKNESS_FORM_EN, **widget)
    send(web, "I need the form SV 8", **widget)
    expect(web.locator(f'{tid("form-card")}[data-code="SV 8"]')).to_have_count(2)
    reference = book_in_chat(web, "I would like a phone appointment with Kela", "040 123 4567", **widget)

    # 4. en, kiosk: asks for a person in words and is never served.
    en = new_page()
    open_kiosk(en, app.kiosk("en"), "en")
    en.locator(tid("chat-input")).fill("I want to talk to a real person")
    en.locator(tid("chat-send")).click()  # the ticket's screen replaces the conversation
    ticket_en = ticket_of(en)
    # The fi and sv customers wait before this one (and any customer of today an earlier test left waiting).
    pending = [c for c in cases.open_cases(POINT) if c["status"] == "pending" and c["ticket"] != ticket_en]
    assert len(pending) >= 2
    expect(en.locator(tid("queue-ahead"))).to_have_text(queue_text(len(pending)))

    # The dashboard: three waiting customers, live, with names instead of codes.
    tickets = (ticket_fi, ticket_sv, ticket_en)
    for ticket in tickets:
        expect(case_card(advisor, ticket)).to_be_visible()
    open_ids = {c["ticket"]: c["id"] for c in cases.open_cases(POINT)}
    what = case_card(advisor, ticket_fi).locator("[data-field=what]")
    expect(what).to_contain_text(cat.life_situations["KE8"]["name"]["sv"])
    shot(advisor, "evening-dashboard-three-customers-sv")
    assert check_axe(advisor, "evening-dashboard-sv") == []

    def resolve(ticket: str, pair: str) -> None:
        card = case_card(advisor, ticket)
        card.locator("[data-action=resolve] select[name=outcome]").select_option("helped")
        card.locator("[data-action=resolve] select[name=pair]").select_option(pair)
        card.locator("[data-action=resolve] button[type=submit]").click()

    # The fi customer: claimed, then resolved as a paper handed in to Kela; the kiosk shows the end.
    card = case_card(advisor, ticket_fi)
    card.locator("form[data-action=claim] button").click()
    expect(card.locator("form[data-action=claim]")).to_be_hidden()
    card.locator("details.case-more > summary").click()
    expect(en.locator(tid("queue-ahead"))).to_have_text(queue_text(len(pending) - 1))
    resolve(ticket_fi, "kela:receive_documents")
    expect(case_card(advisor, ticket_fi)).to_have_count(0)
    expect(fi.locator(tid("feedback-rating"))).to_be_visible()

    # The sv customer: claimed; a resolve with DVV and Kela's advice (not a pair the form offers, so the test
    # adds it to the select) is refused in Swedish and changes nothing.
    card = case_card(advisor, ticket_sv)
    card.locator("form[data-action=claim] button").click()
    expect(card.locator("form[data-action=claim]")).to_be_hidden()
    expect(en.locator(tid("queue-ahead"))).to_have_text(queue_text(len(pending) - 2))
    card.locator("details.case-more > summary").click()
    pair = card.locator("[data-action=resolve] select[name=pair]")
    assert pair.locator(f'option[value="{WRONG_PAIR}"]').count() == 0
    pair.evaluate("(select, value) => select.add(new Option(value, value))", WRONG_PAIR)
    events_now = group_by(stack.app_db, year, month, *KEYS)
    with advisor.expect_response(re.compile(r"/resolve")) as refused:
        resolve(ticket_sv, WRONG_PAIR)
    assert refused.value.status == 422 and refused.value.json() == {"detail": "bad_pair"}
    notices = yaml.safe_load((I18N / "dashboard.sv.yml").read_text(encoding="utf-8"))["dashboard"]["notices"]
    expect(advisor.locator("#page-notice")).to_have_text(notices["bad_pair"])
    # The same pair as a plain form post (no script): back to the queue with the notice, in Swedish.
    plain = advisor.request.post(
        f"{app.url}/staff/cases/{open_ids[ticket_sv]}/resolve?lang=sv",
        form={"csrf_token": csrf, "outcome": "helped", "pair": WRONG_PAIR, "back": ""},
        max_redirects=0,
    )
    assert plain.status == 303 and "notice=bad_pair" in plain.headers["location"], plain.headers
    page_notice = advisor.context.new_page()
    page_notice.goto(f"{app.url}{plain.headers['location']}")
    expect(page_notice.locator("#page-notice")).to_have_text(notices["bad_pair"])
    page_notice.close()
    unchanged = cases.get(open_ids[ticket_sv])
    assert (unchanged["status"], unchanged["authority"], unchanged["category"], unchanged["outcome"]) == (
        "claimed",
        None,
        None,
        None,
    )
    assert group_by(stack.app_db, year, month, *KEYS) == events_now
    expect(case_card(advisor, ticket_sv)).to_be_visible()
    resolve(ticket_sv, "kela:advice")
    expect(advisor.locator("#page-notice")).to_have_text(notices["resolved"])
    expect(case_card(advisor, ticket_sv)).to_have_count(0)
    expect(sv.locator(tid("feedback-rating"))).to_be_visible()

    # The en customer is still waiting when the point closes: a minute before, nothing; at closing, expired.
    waiting = cases.get(open_ids[ticket_en])
    closing = closes_after(cat, waiting["created_at"])
    assert waiting["id"] not in {c["id"] for c in expire(cases, cat, now=closing - dt.timedelta(minutes=1))}
    assert waiting["id"] in {c["id"] for c in expire(cases, cat, now=closing)}
    assert cases.get(waiting["id"])["status"] == "expired" and cases.expired_at(waiting["id"]) == closing
    expect(case_card(advisor, ticket_en)).to_have_count(0)  # it leaves the queue live
    expect(en.locator(tid("feedback-rating"))).to_be_visible()  # for the customer it ends as a resolved one does
    late = advisor.request.post(
        f"{app.url}/staff/cases/{waiting['id']}/resolve?lang=sv",
        form={"csrf_token": csrf, "outcome": "helped", "pair": "kela:advice"},
        headers={"Accept": "application/json"},
    )
    assert late.status == 409 and late.json() == {"detail": "case_expired"}
    assert ticket_en not in {c["ticket"] for c in cases.open_cases(POINT)}
    shot(advisor, "evening-dashboard-after-closing-sv")
    assert check_axe(advisor, "evening-dashboard-after-closing-sv") == []

    # What happened, by hand: each form once per conversation that showed it, the booking the customer's own,
    # two resolves by the advisor, nothing for the expired case.
    happened: Counter = Counter()
    for code in ke8 + ke1 + ["SV 8"]:
        happened[(cat.form(code)["authority"], "hand_out_material", "assistant", "form_shown")] += 1
    happened[("kela", "appointment_booking", "self_service", "booking_made")] += 1
    happened[("kela", "receive_documents", "advisor", "handoff_resolved")] += 1
    happened[("kela", "advice", "advisor", "handoff_resolved")] += 1
    after = group_by(stack.app_db, year, month, *KEYS)
    assert after - before == happened and not before - after, after - before
    shown = group_by(stack.app_db, year, month, "event_type", "service", "channel", "language") - shown_before
    assert shown == Counter(
        {
            **{("form_shown", code, "kiosk", "fi"): 1 for code in ke8},
            **{("form_shown", code, "kiosk", "sv"): 1 for code in ke1},
            ("form_shown", "SV 8", "web", "en"): 1,
            ("booking_made", None, "web", "en"): 1,
            ("handoff_resolved", None, "kiosk", "fi"): 1,
            ("handoff_resolved", None, "kiosk", "sv"): 1,
        }
    ), shown
    print(f"\nthe evening added {sum(happened.values())} events: {dict(happened)}; booking {reference}")

    # The admin reads the month: every figure of the page is the GROUP BY's.
    admin = new_page(LANDSCAPE)
    sign_in(admin, app.url, "anna", "fi")
    query = f"year={year}&month={month}&point={POINT}"
    admin.goto(f"{app.url}/staff/statistics?{query}&lang=fi")
    expect(admin.locator("[data-testid=chart]")).to_be_visible()
    by_actor: Counter = Counter()
    for (authority, _category, actor, _type), n in after.items():
        by_actor[(authority, actor)] += n
    assert table_figures(admin, "[data-testid=volume]", "authority") == by_actor
    for authority in {a for a, _ in by_actor}:
        section = f"[data-testid=authority-{authority}]"
        expected = Counter({(c, actor): n for (a, c, actor, _t), n in after.items() if a == authority})
        assert table_figures(admin, section, "category") == expected, authority
    grand = admin.locator("[data-testid=volume] [data-grand-total]")
    expect(grand).to_have_text(str(sum(after.values())))
    shot(admin, "evening-report-fi", full_page=True)
    assert check_axe(admin, "evening-report-fi") == []

    # The CSV: the same figures; the assistant's work only ever in the assistant's rows.
    with admin.expect_download() as download:
        admin.locator("[data-testid=csv-month]").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig")), delimiter=";"))
    assert Counter({tuple(r[k] for k in KEYS): int(r["count"]) for r in rows}) == after
    assert {r["month"] for r in rows} == {f"{year}-{month:02d}"}
    actors = yaml.safe_load((I18N / "records.fi.yml").read_text(encoding="utf-8"))["records"]["actors"]
    for r in rows:
        assert r["actor_name"] == actors[r["actor"]], r
        assert (r["event_type"] == "form_shown") == (r["actor"] == "assistant"), r
        assert r["event_type"] != "handoff_resolved" or r["actor"] == "advisor", r
    # The advisor's column grew by the two resolves only: no form card, no booking, not the expired case.
    advisor_work = sum(int(r["count"]) for r in rows if r["actor"] == "advisor")
    assert advisor_work == sum(n for key, n in before.items() if key[2] == "advisor") + 2

    # Kela's sheet, from its link: the authority's figures, the advisor's volume in bold.
    admin.locator("[data-testid=volume] tr[data-authority=kela] a").click()
    expect(admin.locator("h1")).to_have_text("Kela")
    kela = Counter({(c, actor): n for (a, c, actor, _t), n in after.items() if a == "kela"})
    assert table_figures(admin, "[data-testid=report]", "category") == kela
    advisor_volume = sum(n for (c, actor), n in kela.items() if actor == "advisor")
    expect(admin.locator("[data-advisor-total]")).to_have_text(str(advisor_volume))
    expect(admin.locator("[data-testid=report-facts] [data-grand-total]")).to_have_text(str(sum(kela.values())))
    shot(admin, "evening-report-kela-sheet-fi", full_page=True)
    assert check_axe(admin, "evening-report-kela-sheet-fi") == []
