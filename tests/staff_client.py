"""A staff member's HTTP client against a running web app: signed in, and reading the dashboard's live feed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import re
import threading
import time

import httpx

PASSWORD = "correct horse battery"


def signed_in_client(base: str, username: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    """An httpx client with a staff session, and the session's CSRF token."""
    client = httpx.Client(base_url=base, timeout=10)
    page = client.get("/staff/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/staff/login", data={"csrf_token": csrf, "username": username, "password": password})
    assert answer.status_code == 303, answer.text
    dashboard = client.get("/staff")
    return client, re.search(r'name="csrf_token" value="([^"]+)"', dashboard.text).group(1)


class EventStream:
    """Reads /staff/events on an event loop in a thread; each event goes to `events` as (received_at, name, id, data).

    Async, so close() really closes the socket: a blocking read in another thread would keep it open.
    """

    def __init__(self, client: httpx.Client, headers: dict | None = None):
        self.events: queue.Queue = queue.Queue()
        self._base, self._cookies, self._headers = client.base_url, client.cookies, headers or {}
        self._loop = asyncio.new_event_loop()
        self._task = None
        started = threading.Event()

        def run():
            asyncio.set_event_loop(self._loop)
            self._task = self._loop.create_task(self._read())
            started.set()
            with contextlib.suppress(asyncio.CancelledError):
                self._loop.run_until_complete(self._task)
            self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        started.wait()

    async def _read(self) -> None:
        async with (
            httpx.AsyncClient(base_url=self._base, cookies=self._cookies, timeout=httpx.Timeout(10, read=60)) as client,
            client.stream("GET", "/staff/events", headers=self._headers) as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            name, event_id, data = None, None, []
            async for line in response.aiter_lines():
                if line == "":
                    if data:
                        self.events.put((time.perf_counter(), name, event_id, json.loads("\n".join(data))))
                    name, event_id, data = None, None, []
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("id:"):
                    event_id = line[3:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())

    def next(self, name: str | None = None, timeout: float = 5.0, where=lambda data: True):
        """The next event (of this name, matching `where`), skipping others; fails after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {name or 'event'} within {timeout} s")
            try:
                received, event, event_id, data = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if (name is None or event == name) and where(data):
                return received, event_id, data

    def close(self) -> None:
        """Close the connection, as a browser does when the dashboard is closed."""
        self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=5)
