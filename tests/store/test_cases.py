"""Handoff cases: ticket numbers per point and day, unique under concurrency; no personal data stored."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.cases import CaseConflict, CaseStore
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


def test_open_cases_past_their_deadline_expire_once_with_the_time_and_no_service_event(tmp_path):
    """expire_due closes pending and claimed cases whose deadline passed; resolved ones and later ones stay."""
    from store.models import ServiceEvent

    store = CaseStore(f"sqlite:///{tmp_path}/app.db")
    made = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    closing = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)
    pending = store.create_case(point_id="p1", now=made, **FIELDS)
    claimed = store.create_case(point_id="p1", now=made, **FIELDS)
    store.claim(claimed["id"], "aino")
    store.take_over(claimed["id"], "aino")
    store.add_message(claimed["id"], "aino", "Hei!")
    resolved = store.create_case(point_id="p1", now=made, **FIELDS)
    store.resolve(resolved["id"], "aino", "helped", "kela", "advice")
    later = store.create_case(point_id="p1", now=closing, **FIELDS)

    def deadline(created: dt.datetime) -> dt.datetime:
        return closing if created < closing else closing + dt.timedelta(hours=8)

    assert store.expire_due(deadline, now=closing - dt.timedelta(seconds=1)) == []
    expired = store.expire_due(deadline, now=closing)
    assert [c["id"] for c in expired] == [pending["id"], claimed["id"]]
    assert expired[1]["taken_over"] is True  # as it was: the caller resumes the assistant
    assert store.expire_due(deadline, now=closing + dt.timedelta(minutes=5)) == []  # never twice
    statuses = {c["id"]: c["status"] for c in store.list_cases()}
    assert statuses == {
        pending["id"]: "expired",
        claimed["id"]: "expired",
        resolved["id"]: "resolved",
        later["id"]: "pending",
    }
    assert store.expired_at(pending["id"]) == closing and store.expired_at(later["id"]) is None
    assert store.get(claimed["id"])["taken_over"] is False and store.get(pending["id"])["resolved_at"] is None
    assert [c["id"] for c in store.open_cases("p1")] == [later["id"]]
    assert store.open_case_for("c")["id"] == later["id"]
    with Session(store.engine) as session:
        assert session.execute(select(ServiceEvent)).first() is None
        lines = session.execute(select(CaseChange.text).where(CaseChange.kind == "message")).scalars().all()
    assert lines == [None]  # the takeover's chat is wiped as on resolving
    try:
        store.claim(pending["id"], "aino")
    except CaseConflict as exc:
        assert exc.code == "case_expired"
    else:
        raise AssertionError("an expired case was claimed")


def test_the_waiting_count_is_todays_pending_cases_of_the_point(tmp_path):
    """Yesterday's forgotten cases and another point's queue are not in this room's count."""
    store = CaseStore(f"sqlite:///{tmp_path}/app.db")
    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    store.create_case(point_id="p1", now=now - dt.timedelta(days=1), **FIELDS)
    store.create_case(point_id="p2", now=now, **FIELDS)
    first = store.create_case(point_id="p1", now=now, **FIELDS)
    second = store.create_case(point_id="p1", now=now, **FIELDS)
    assert store.waiting("p1", now=now) == 2
    assert (store.ahead_of(first), store.ahead_of(second)) == (0, 1)
    store.claim(first["id"], "aino")
    assert store.waiting("p1", now=now) == 1 and store.ahead_of(store.get(second["id"])) == 0
