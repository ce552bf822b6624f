"""Rate limits of the public endpoints, per client address and per conversation."""

from __future__ import annotations

import logging
import math
import time

import limits
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many requests; `retry_after` is in whole seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """Moving-window limits, counted where `storage_uri` says.

    The `limits` library does the window arithmetic and the storage (a maintained implementation
    instead of our own): "memory://" counts in this process, enough for the one web process of
    `make run`; the scaled profile's several web workers share one count in Redis ("redis://...").
    """

    def __init__(self, storage_uri: str = "memory://"):
        # A Redis that hangs must not hang the gateway: give up on it after half a second (then allow).
        options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if storage_uri.startswith("redis") else {}
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri, **options))

    def hit(self, rule: str, *identifiers: str) -> None:
        """Count one request against `rule` ("30/minute") for these identifiers, or raise RateLimited."""
        item = limits.parse(rule)
        try:
            allowed = self._limiter.hit(item, *identifiers)
        except Exception:  # Redis away: customers are still served, the limit waits for it
            log.warning("rate limit storage unreachable; request allowed uncounted", exc_info=True)
            return
        if not allowed:
            stats = self._limiter.get_window_stats(item, *identifiers)
            raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))
