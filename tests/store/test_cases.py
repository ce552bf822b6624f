"""Handoff cases: ticket numbers per point and day, unique under concurrency; no personal data stored."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.cases import CaseStore
from store.models import CaseChange, HandoffCase

FIELDS = {"conversation_id": "c", "language": "fi", "channel": "kiosk", "reason": "customer_request"}


def test_numbers_restart_each_helsinki_day_and_per_point(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path}/app.db")
    # 21:59 UTC is 23:59 in Helsinki in winter; 22:01 UTC is already the next day there.
    before = dt.datetime(2026, 1, 15, 21, 59, tzinfo=dt.UTC)
    after = dt.datetime(2026, 1, 15, 22, 1, tzinfo=dt.UTC)
    assert store.create_case(point_id="p1", now=before, **FIELDS)["ticket"] == "A001"
    assert store.create_case(point_id="p1", now=before, **FIELDS)["ticket"] == "A002"
    assert store.create_case(point_id="p2", now=before, **FIELDS)["ticket"] == "A001"
    assert store.create_case(point_id="p1", now=after, **FIELDS)["ticket"] == "A001"


def test_parallel_handoffs_get_distinct_tickets(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    CaseStore(url)

    def create(_):
        return CaseStore(url).create_case(point_id="p", **FIELDS)["ticket"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        tickets = list(pool.map(create, range(24)))
    assert sorted(tickets) == [f"A{n:03d}" for n in range(1, 25)]


def test_a_case_stores_its_texts_redacted(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path}/app.db")
    case = store.create_case(
        point_id="p1", summary="forms: AT 1; soita 040/123 4567", forms=["AT 1", "hetu131052-308"], **FIELDS
    )
    with Session(store.engine) as session:
        row = session.get(HandoffCase, case["id"])
        assert row is not None
        assert row.summary == "forms: AT 1; soita <PHONE_NUMBER>"
        assert row.forms == ["AT 1", "hetu<ID_CODE>"]


def test_a_customers_chat_line_is_stored_redacted_and_an_advisors_kept(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path}/app.db")
    case = store.create_case(point_id="p1", **FIELDS)
    store.add_message(case["id"], "customer", "numeroni 40 123 4567, hetu 131052 - 308T")
    store.add_message(case["id"], "anna", "Kelan numero on 020 692 204")
    with Session(store.engine) as session:
        stored = [c.text for c in session.execute(select(CaseChange).where(CaseChange.kind == "message")).scalars()]
    assert stored == ["numeroni <PHONE_NUMBER>, hetu <ID_CODE>", "Kelan numero on 020 692 204"]


def test_a_customers_line_stored_before_todays_redaction_is_shown_redacted(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path}/app.db")
    case = store.create_case(point_id="p1", **FIELDS)
    store.add_message(case["id"], "customer", "x")
    with Session(store.engine) as session:  # as an older release stored it
        session.execute(update(CaseChange).where(CaseChange.kind == "message").values(text="soita 358401234567"))
        session.commit()
    lines = [c["text"] for c in store.changes_after(0, case_id=case["id"]) if c["kind"] == "message"]
    assert lines == ["soita <PHONE_NUMBER>"]
