"""Live feeds woken by PostgreSQL's NOTIFY: a change committed out of id order is still sent; SQLite polls."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from kiosk_ui.live_changes import ChangeListener, FeedChanges
from store.cases import CaseStore
from store.db import open_database
from store.models import CaseChange
from tests.servers import postgres_server

POINT = "example-point"


def change(session: Session, case_id: int) -> int:
    """A message change of the case, flushed (its id taken) but not committed."""
    row = CaseChange(case_id=case_id, point_id=POINT, at=dt.datetime.now(dt.UTC), kind="message", actor="neuvoja")
    session.add(row)
    session.flush()
    return row.id


async def listening_feed(url: str, cases: CaseStore, cursor: int = 0) -> tuple[ChangeListener, FeedChanges]:
    """A connected listener and a dashboard's feed of the point on it."""
    listener = ChangeListener(url)
    listener.start()
    await asyncio.wait_for(listener.connected.wait(), 10)
    feed = FeedChanges(
        listener,
        lambda after: cases.changes_after(after, point_id=POINT),
        lambda ids: cases.changes_with_ids(ids, point_id=POINT),
        cursor=cursor,
    )
    return listener, feed


def test_sqlite_has_no_listener_and_its_feeds_poll(tmp_path):
    assert ChangeListener.for_url(f"sqlite:///{tmp_path}/app.db") is None


def test_a_change_committed_after_a_later_numbered_one_is_still_sent():
    with postgres_server() as url:
        engine = open_database(url)
        cases = CaseStore(engine=engine)
        case = cases.create_case(point_id=POINT, conversation_id="c1", language="fi", channel="kiosk", reason="x")

        async def scenario() -> list[list[int]]:
            listener, feed = await listening_feed(url, cases, cases.last_change_id(POINT))
            seen = [[c["id"] for c in await feed.fetch()]]  # the catch-up on connecting: nothing new
            with Session(engine) as slow, Session(engine) as quick:
                earlier = change(slow, case["id"])
                later = change(quick, case["id"])
                assert later > earlier
                quick.commit()
                await feed.wait(0.2, 10)
                seen.append([c["id"] for c in await feed.fetch()])
                # Polling from the cursor would now never see `earlier`: its id is below the cursor.
                assert cases.changes_after(later, point_id=POINT) == []
                slow.commit()
            await feed.wait(0.2, 10)
            seen.append([c["id"] for c in await feed.fetch()])
            feed.close()
            await listener.stop()
            return seen

        first, after_quick, after_slow = asyncio.run(scenario())
        engine.dispose()
    assert first == []
    assert len(after_quick) == 1 and len(after_slow) == 1 and after_slow[0] < after_quick[0]


def test_a_feed_polls_while_the_listen_connection_is_down_and_catches_up_after():
    with postgres_server() as url:
        engine = open_database(url)
        cases = CaseStore(engine=engine)

        async def scenario() -> tuple[list[str], list[str]]:
            listener, feed = await listening_feed(url, cases)
            await feed.fetch()
            with engine.begin() as connection:  # the database drops the listener's connection
                connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")
                )
            deadline = asyncio.get_running_loop().time() + 10
            while listener.connected.is_set() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            created = cases.create_case(point_id=POINT, conversation_id="c2", language="fi", channel="web", reason="x")
            await feed.wait(0.2, 10)
            while_down = [c["kind"] for c in await feed.fetch() if c["case_id"] == created["id"]]
            await asyncio.wait_for(listener.connected.wait(), 10)
            cases.claim(created["id"], "neuvoja")
            await feed.wait(0.2, 10)
            await feed.wait(0.2, 10)
            after = [c["kind"] for c in await feed.fetch() if c["case_id"] == created["id"]]
            feed.close()
            await listener.stop()
            return while_down, after

        while_down, after = asyncio.run(scenario())
        engine.dispose()
    assert while_down == ["created"] and after == ["claimed"]
