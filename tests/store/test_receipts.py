"""Document receipts: readable numbers unique per day, the time kept in UTC, one service event each."""

import datetime as dt

import pytest

from store.db import open_database
from store.events import EventLog
from store.receipts import ReceiptStore, receipt_number
from store.rows import HELSINKI

FIELDS = {"point_id": "p1", "authority": "kela", "document_type": "AT 1", "received_by": "aino", "language": "sv"}


@pytest.fixture
def engine(tmp_path):
    return open_database(f"sqlite:///{tmp_path}/app.db")


def test_receipt_numbers_count_per_helsinki_day(engine):
    store = ReceiptStore(engine)
    morning = dt.datetime(2026, 11, 24, 9, 5, tzinfo=HELSINKI)
    first = store.create(received_at=morning, **FIELDS)
    second = store.create(received_at=morning + dt.timedelta(hours=1), **FIELDS)
    # 00:30 in Helsinki on the 25th is still the 24th in UTC: the number follows the Helsinki day.
    next_day = store.create(received_at=dt.datetime(2026, 11, 24, 22, 30, tzinfo=dt.UTC), **FIELDS)
    assert [first["number"], second["number"], next_day["number"]] == ["20261124-001", "20261124-002", "20261125-001"]
    assert receipt_number(dt.date(2026, 1, 2), 12) == "20260102-012"


def test_numbers_stay_unique_when_receipts_are_backdated(engine):
    store = ReceiptStore(engine)
    day = dt.datetime(2026, 11, 24, 12, 0, tzinfo=HELSINKI)
    numbers = [store.create(received_at=day + dt.timedelta(minutes=m), **FIELDS)["number"] for m in (30, -60, 5)]
    numbers += [store.create(received_at=day - dt.timedelta(days=1), **FIELDS)["number"]]
    assert len(set(numbers)) == 4
    assert numbers[:3] == ["20261124-001", "20261124-002", "20261124-003"]


def test_receipt_keeps_time_and_fields_and_lists_by_day(engine):
    store = ReceiptStore(engine)
    received = dt.datetime(2026, 3, 29, 1, 30, tzinfo=HELSINKI)  # 23:30 UTC the day before
    receipt = store.create(received_at=received, case_id=None, **FIELDS)
    got = store.get(receipt["id"])
    assert got["received_at"] == received and got["received_at"].tzinfo == dt.UTC
    assert {k: got[k] for k in FIELDS} == FIELDS
    assert store.get(receipt["id"] + 1) is None
    assert [r["id"] for r in store.list_day("p1", dt.date(2026, 3, 29))] == [receipt["id"]]
    assert store.list_day("p1", dt.date(2026, 3, 28)) == [] and store.list_day("p2", dt.date(2026, 3, 29)) == []


def test_each_receipt_is_one_document_received_event(engine):
    store, log = ReceiptStore(engine), EventLog(engine)
    received = dt.datetime(2026, 11, 24, 9, 5, tzinfo=HELSINKI)
    store.create(received_at=received, **FIELDS)
    store.create(received_at=received, **dict(FIELDS, authority="tax", document_type="other", language="fi"))
    events = log.list_events("p1")
    assert [
        (e["event_type"], e["authority"], e["category"], e["channel"], e["language"], e["service"]) for e in events
    ] == [
        ("document_received", "kela", "receive_documents", "kiosk", "sv", "AT 1"),
        ("document_received", "tax", "receive_documents", "kiosk", "fi", "other"),
    ]
    assert all(e["occurred_at"] == received for e in events)
    assert {e["actor"] for e in events} == {"advisor"}


def test_naive_time_is_refused(engine):
    with pytest.raises(ValueError):
        ReceiptStore(engine).create(received_at=dt.datetime(2026, 11, 24, 9, 5), **FIELDS)
