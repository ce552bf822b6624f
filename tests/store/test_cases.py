"""Handoff cases: ticket numbers per point and day, unique under concurrency."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from store.cases import CaseStore

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
