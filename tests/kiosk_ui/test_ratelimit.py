"""Rate limits: counted in this process by default, or in Redis shared by several web workers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kiosk_ui.ratelimit import RateLimited, RateLimiter
from kiosk_ui.settings import Settings
from tests.servers import redis_server


def test_memory_storage_refuses_the_request_over_the_limit():
    limiter = RateLimiter()
    limiter.hit("2/minute", "client", "a")
    limiter.hit("2/minute", "client", "a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("2/minute", "client", "a")
    assert 1 <= refused.value.retry_after <= 60
    limiter.hit("2/minute", "client", "b")  # another client has its own count


def test_two_workers_share_one_count_in_redis():
    with redis_server() as url:
        first, second = RateLimiter(url), RateLimiter(url)
        first.hit("3/minute", "conversation", "c1")
        second.hit("3/minute", "conversation", "c1")
        first.hit("3/minute", "conversation", "c1")
        with pytest.raises(RateLimited):
            second.hit("3/minute", "conversation", "c1")


def test_redis_away_lets_customers_through(tmp_path):
    limiter = RateLimiter(f"redis+unix://{tmp_path}/nobody.sock")
    for _ in range(3):
        limiter.hit("1/minute", "client", "a")


@pytest.mark.parametrize("url", ["http://localhost:6379", "file:///tmp/x", ""])
def test_settings_refuse_a_storage_limits_cannot_share(url, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_STORAGE_URL", url)
    with pytest.raises(ValidationError, match="rate limit storage"):
        Settings()


def test_the_storage_password_is_never_printed(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_STORAGE_URL", "redis://:s3cret@127.0.0.1:6380/1")
    assert "s3cret" not in repr(Settings())
