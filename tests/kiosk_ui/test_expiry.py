"""The queue's expiry job: open cases close as expired at the point's closing time, by the catalogue's hours."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk_ui.expiry import CaseExpiryJob
from store.accounts import AccountStore
from store.cases import CaseStore
from store.models import ServiceEvent
from store.rows import HELSINKI
from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in
from tests.kiosk_ui.test_staff_dashboard import FakeControl, new_case

# Later than the test run's own clock, so the app's background expiry (real now) never reaches them first.
CHRISTMAS_EVE_10 = dt.datetime(2026, 12, 24, 10, 0, tzinfo=HELSINKI)  # a Thursday and a public holiday
SUMMER_TUESDAY_10 = dt.datetime(2027, 3, 30, 10, 0, tzinfo=HELSINKI)  # two days after the clocks went forward


@pytest.fixture
def client(tmp_path):
    with make_staff_client(tmp_path) as client:
        AccountStore(client.app.state.db_engine).create("aino", PASSWORD, "advisor")
        yield client


@pytest.fixture
def cases(client) -> CaseStore:
    return CaseStore(engine=client.app.state.db_engine)


def test_cases_expire_at_closing_time_with_holidays_and_dst(client, cases: CaseStore):
    """Christmas Eve has no 16:00 closing (the day's end instead); after the spring change 16:00 is 13:00 UTC."""
    holiday = new_case(cases, "conv-holiday", now=CHRISTMAS_EVE_10)
    summer = new_case(cases, "conv-summer", now=SUMMER_TUESDAY_10)
    cases.take_over(summer["id"], "aino")
    control = FakeControl()
    job = CaseExpiryJob(cases, client.app.state.catalogue, lambda: control)

    def run(when: dt.datetime) -> list[str]:
        return [c["conversation_id"] for c in asyncio.run(job.run_once(when))]

    assert run(dt.datetime(2026, 12, 24, 16, 0, tzinfo=HELSINKI)) == []
    assert run(dt.datetime(2026, 12, 24, 23, 59, 59, tzinfo=HELSINKI)) == []
    assert run(dt.datetime(2026, 12, 25, 0, 0, tzinfo=HELSINKI)) == ["conv-holiday"]
    assert cases.expired_at(holiday["id"]) == dt.datetime(2026, 12, 24, 22, 0, tzinfo=dt.UTC)
    assert run(dt.datetime(2027, 3, 30, 12, 59, 59, tzinfo=dt.UTC)) == []
    assert run(dt.datetime(2027, 3, 30, 13, 0, tzinfo=dt.UTC)) == ["conv-summer"]
    assert control.calls == [("resume", "conv-summer")]  # the advisor's takeover had paused the assistant
    assert {c["status"] for c in cases.list_cases()} == {"expired"} and job.expired == 2
    with Session(client.app.state.db_engine) as session:
        assert session.execute(select(func.count(ServiceEvent.id))).scalar_one() == 0  # no resolved work


def test_an_expired_case_leaves_the_dashboard_and_refuses_actions(client, cases: CaseStore):
    """The queue shows open cases only; a stale page's claim on an expired case gets a notice."""
    token = signed_in(client, "aino")
    case = new_case(cases, "conv-stale", now=CHRISTMAS_EVE_10)
    assert f'data-case-id="{case["id"]}"' in client.get("/staff?lang=fi").text
    cases.expire_due(lambda created: created, now=CHRISTMAS_EVE_10)
    assert f'data-case-id="{case["id"]}"' not in client.get("/staff?lang=fi").text
    refused = client.post(
        f"/staff/cases/{case['id']}/claim?lang=fi", data={"csrf_token": token}, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 409 and refused.json() == {"detail": "case_expired"}


def test_the_app_runs_the_expiry_in_the_background(client):
    """Started with the app (as the retention job); one run happens at start-up."""
    job = client.app.state.expiry_job
    assert isinstance(job, CaseExpiryJob)
    assert job.ran.wait(10)
