"""Rate limits of the public endpoints, per client address and per conversation."""

from __future__ import annotations

import math
import time

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class RateLimited(Exception):
    """Too many requests; `retry_after` is in whole seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """Moving-window limits in this process's memory.

    The `limits` library does the window arithmetic (a maintained implementation instead of our
    own); memory storage is enough for one app process per point. Several processes behind a load
    balancer would need its Redis storage instead.
    """

    def __init__(self):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, rule: str, *identifiers: str) -> None:
        """Count one request against `rule` ("30/minute") for these identifiers, or raise RateLimited."""
        item = limits.parse(rule)
        if not self._limiter.hit(item, *identifiers):
            stats = self._limiter.get_window_stats(item, *identifiers)
            raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))
