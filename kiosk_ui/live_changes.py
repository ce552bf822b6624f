"""What wakes a live feed (the dashboard's, the customer's): PostgreSQL's NOTIFY, or polling on SQLite.

On PostgreSQL a trigger (migration 0008) announces every new case change's id on `case_changes` when its
transaction commits. Each web worker keeps one LISTEN connection (`ChangeListener`) and hands the ids to its
feeds, which fetch exactly those rows: a change committed after a later-numbered one is still sent, where
polling `id > cursor` would step over it. SQLite has one writer at a time (ids commit in order): its feeds
poll, as `make run`'s one web process always did. While the LISTEN connection is down, feeds poll too, and
catch up from their cursor once it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "case_changes"
RECONNECT_SECONDS = 1.0
# A marker in a feed's queue: the listener missed notifications (it reconnected); fetch from the cursor.
CATCH_UP = -1
# What CaseStore.changes_after returns at most at a time.
BATCH = 200


class ChangeListener:
    """One LISTEN connection of this process; every subscribed feed gets each announced change id."""

    def __init__(self, database_url: str):
        # libpq reads SQLAlchemy's URL once the driver name is gone (a socket folder stays a `host` parameter).
        self._dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._queues: set[asyncio.Queue[int]] = set()
        self._connection: Any = None
        self._task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    @classmethod
    def for_url(cls, database_url: str) -> ChangeListener | None:
        """A listener on PostgreSQL; None elsewhere (SQLite's feeds poll)."""
        return cls(database_url) if make_url(database_url).get_backend_name() == "postgresql" else None

    def start(self) -> None:
        """Keep a LISTEN connection open from now on, reconnecting when it drops."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._close()

    def subscribe(self) -> asyncio.Queue[int]:
        """A queue that receives every change id announced from now on."""
        queue: asyncio.Queue[int] = asyncio.Queue()
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[int]) -> None:
        """Stop filling this queue."""
        self._queues.discard(queue)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self._connect)
            except Exception:  # the database away: the feeds poll meanwhile, and we try again
                log.warning(
                    "live feeds: no LISTEN connection to PostgreSQL; feeds poll until it is back", exc_info=True
                )
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            lost = asyncio.Event()
            loop = asyncio.get_running_loop()
            loop.add_reader(self._connection.fileno(), self._read, lost)
            self.connected.set()
            self._announce(CATCH_UP)  # what was committed while nobody listened
            try:
                await lost.wait()
            finally:
                with contextlib.suppress(Exception):
                    loop.remove_reader(self._connection.fileno())
                self.connected.clear()
                self._close()
            await asyncio.sleep(RECONNECT_SECONDS)

    def _connect(self) -> None:
        import psycopg2  # type: ignore[import-untyped]  # the PostgreSQL driver; SQLite installs never import it

        connection = psycopg2.connect(self._dsn)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        self._connection = connection

    def _read(self, lost: asyncio.Event) -> None:
        try:
            self._connection.poll()
        except Exception:
            log.warning("live feeds: the LISTEN connection dropped; reconnecting")
            lost.set()
            return
        while self._connection.notifies:
            notify = self._connection.notifies.pop(0)
            with contextlib.suppress(ValueError):
                self._announce(int(notify.payload))

    def _announce(self, change_id: int) -> None:
        for queue in self._queues:
            queue.put_nowait(change_id)

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


class FeedChanges:
    """The changes one feed has not sent yet: the announced ones with a listener, else those after the cursor."""

    def __init__(
        self,
        listener: ChangeListener | None,
        after: Callable[[int], list[dict]],
        with_ids: Callable[[list[int]], list[dict]],
        cursor: int = 0,
    ):
        self.listener, self.cursor = listener, cursor
        self._after, self._with_ids = after, with_ids
        # Subscribed at once: a change committed while the feed reads its snapshot is announced to it.
        self._queue = listener.subscribe() if listener else None
        self._pending: set[int] = set()
        self._catch_up = True
        self._sent: set[int] = set()

    def close(self) -> None:
        """Stop listening."""
        if self.listener is not None and self._queue is not None:
            self.listener.unsubscribe(self._queue)

    async def fetch(self) -> list[dict]:
        """The changes to send now, oldest first, none twice."""
        listening = self.listener is not None and self.listener.connected.is_set()
        if self._catch_up or not listening:
            self._catch_up = False
            self._pending.clear()
            changes = await run_in_threadpool(self._all_after, self.cursor)
        elif self._pending:
            ids, self._pending = sorted(self._pending), set()
            changes = await run_in_threadpool(self._with_ids, ids)
        else:
            return []
        fresh = [c for c in changes if c["id"] not in self._sent]
        for change in fresh:
            self._sent.add(change["id"])
            self.cursor = max(self.cursor, change["id"])
        return fresh

    def _all_after(self, cursor: int) -> list[dict]:
        """Every change after the cursor, in the store's batches (of BATCH) until one comes back short."""
        changes: list[dict] = []
        while True:
            batch = self._after(cursor)
            changes += batch
            if len(batch) < BATCH:
                return changes
            cursor = batch[-1]["id"]

    async def wait(self, poll_seconds: float, idle_seconds: float, gone: asyncio.Event | None = None) -> None:
        """Until a change is announced (or, polling, `poll_seconds`), at most `idle_seconds`, or the client left."""
        listening = self._queue is not None and self.listener is not None and self.listener.connected.is_set()
        first: Awaitable[Any] = self._next_id() if listening else asyncio.sleep(poll_seconds)
        waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(first)}
        if gone is not None:
            waiters.add(asyncio.ensure_future(gone.wait()))
        timeout = idle_seconds if listening else poll_seconds
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _next_id(self) -> None:
        assert self._queue is not None
        self._take(await self._queue.get())
        while not self._queue.empty():
            self._take(self._queue.get_nowait())

    def _take(self, change_id: int) -> None:
        if change_id == CATCH_UP:
            self._catch_up = True
        else:
            self._pending.add(change_id)
