"""The queue's expiry: cases still open when the point closes are closed as expired (store.cases).

It runs periodically in the web app (kiosk_ui.app.lifespan), next to the retention job, rather than when
someone reads the queue: the dashboards and the customers' screens follow the cases' change feed, so an
`expired` change must be written even while nobody loads a page, and one writer on a timer keeps reads
(also the action server's) free of writes. Each expiry is a conditional update, so two app processes or a
run racing an advisor's resolve cannot expire a case twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable

from booking.hours import closes_after
from kiosk_ui.rasa_api import ConversationControl, ConversationControlError
from service_catalogue.loader import Catalogue
from store.cases import CaseStore

log = logging.getLogger(__name__)

# A case expires at most this long after the point closed.
INTERVAL_SECONDS = 60.0


def expire(cases: CaseStore, cat: Catalogue, now: dt.datetime | None = None) -> list[dict]:
    """Expire every open case whose day's closing time (Helsinki, holidays, closed days) has passed."""
    return cases.expire_due(functools.partial(closes_after, cat), now)


class CaseExpiryJob:
    """Expiry now and then every `interval_seconds`, in a worker thread; it logs and goes on whatever happens.

    `control()` gives the conversation control that resumes the assistant for a case that was taken over
    (the advisor's takeover paused it). `ran` is set after each run (tests wait on it).
    """

    def __init__(
        self,
        cases: CaseStore,
        cat: Catalogue,
        control: Callable[[], ConversationControl],
        interval_seconds: float = INTERVAL_SECONDS,
    ):
        self.cases, self.cat, self.control = cases, cat, control
        self.interval_seconds = interval_seconds
        self.expired = 0
        self.ran = threading.Event()

    async def run_once(self, now: dt.datetime | None = None) -> list[dict]:
        """One run: expire, then resume the assistant in conversations an advisor had taken over."""
        done = await asyncio.to_thread(expire, self.cases, self.cat, now)
        for case in done:
            if case["taken_over"]:
                try:
                    await self.control().resume(case["conversation_id"])
                except ConversationControlError:
                    log.warning("expiry: could not resume the assistant for case %s", case["id"])
        self.expired += len(done)
        if done:
            log.info("expiry: %d case(s) still open at closing time expired", len(done))
        return done

    async def run_forever(self) -> None:
        """Run until cancelled."""
        while True:
            try:
                await self.run_once()
            except Exception:  # one failed run (a locked database) must not stop the next
                log.exception("expiry: the run failed")
            self.ran.set()
            await asyncio.sleep(self.interval_seconds)
