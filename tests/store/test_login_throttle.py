"""The login throttle: growing, capped delays per key, device cookies that exempt their browser, the ASVS bound."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from store.db import open_database
from store.login_throttle import (
    LoginThrottleStore,
    Policy,
    ThrottleConfig,
    cookie_tokens,
    max_failures_per_hour,
)

CONFIG = ThrottleConfig(
    user=Policy(5, 1.0, 40.0),
    pair=Policy(5, 1.0, 300.0),
    address=Policy(20, 1.0, 900.0),
    device_failures=5,
    forget=dt.timedelta(hours=24),
    device_lifetime=dt.timedelta(days=90),
)
ATTACKER = "198.51.100.7"
OFFICE = "192.0.2.10"


@pytest.fixture
def throttle(tmp_path, clock) -> LoginThrottleStore:
    return LoginThrottleStore(open_database(f"sqlite:///{tmp_path}/app.db"), CONFIG, clock)


def fail(throttle, username="aino", address=ATTACKER, cookie=None) -> int:
    """One attempt with a wrong password: 0 when it was let through (and counted), else the seconds to wait."""
    return throttle.begin(username, address, cookie).retry_after


def counted_failure(throttle, clock, username="aino", address=ATTACKER, cookie=None) -> None:
    """One wrong password that gets through to the password check: first wait for the delay in force, if any."""
    while wait := fail(throttle, username, address, cookie):
        clock.advance(wait)


def sign_in(throttle, username="aino", address=OFFICE, cookie=None) -> str:
    """One attempt with the right password; the new device cookie."""
    attempt = throttle.begin(username, address, cookie)
    assert not attempt.refused, attempt
    return throttle.succeeded(attempt, cookie)


def test_the_delay_starts_after_the_free_failures_doubles_and_is_capped():
    policy = Policy(5, 1.0, 40.0)
    assert [policy.delay(n) for n in range(1, 13)] == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 40, 40]
    assert policy.delay(10_000) == 40  # no overflow in a long attack


def test_the_username_keeps_to_at_most_100_failures_an_hour(throttle, clock):
    assert max_failures_per_hour(CONFIG.user) <= 100
    # An attacker spread over many addresses, trying the moment each wait ends, for one hour.
    start, tried = clock.now, 0
    for n in range(10_000):
        wait = fail(throttle, address=f"203.0.113.{n % 250}")
        if wait:
            clock.advance(wait)
            continue
        tried += 1
        if clock.now - start >= dt.timedelta(hours=1):
            break
    assert 90 <= tried - 1 <= 100  # the last one counted is already in the second hour


def test_the_wait_grows_per_failure_and_a_refused_attempt_counts_nothing(throttle, clock):
    for _ in range(5):
        assert fail(throttle) == 0
    waits = []
    for _ in range(8):
        wait = fail(throttle)
        waits.append(wait)
        assert fail(throttle) == wait  # hammering while refused changes nothing
        clock.advance(wait)
        assert fail(throttle) == 0
    # The pair (this address, aino) is the strictest key here: 1, 2, 4, ... s, capped at 300 s.
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128]
    for _ in range(3):
        wait = fail(throttle)
        clock.advance(wait)
        fail(throttle)
    assert fail(throttle) == 300


def test_the_username_alone_caps_at_its_short_delay(throttle, clock):
    """From ever new addresses only the username's key holds the attacker back: never more than 40 s."""
    waits = []
    for n in range(30):
        wait = fail(throttle, address=f"203.0.113.{n}")
        if wait:
            waits.append(wait)
            clock.advance(wait)
            assert fail(throttle, address=f"203.0.113.{n}") == 0
    assert max(waits) == 40 and waits[-1] == 40


def test_a_device_cookie_lets_aino_in_while_her_username_and_address_are_hammered(throttle, clock):
    cookie = sign_in(throttle, address=OFFICE)
    for _ in range(60):
        counted_failure(throttle, clock, address=OFFICE)  # the attacker is behind the office's address, too
    assert fail(throttle, address=OFFICE) > 0  # without the cookie: wait
    attempt = throttle.begin("aino", OFFICE, cookie)
    assert not attempt.refused and attempt.device_hash is not None
    new_cookie = throttle.succeeded(attempt, cookie)
    assert new_cookie != cookie  # rotated: the old token is gone
    assert throttle.begin("aino", OFFICE, cookie).device_hash is None
    assert throttle.begin("aino", OFFICE, new_cookie).device_hash is not None


def test_a_device_cookie_counts_only_for_its_own_username(throttle, clock):
    cookie = sign_in(throttle, "aino")
    for _ in range(7):
        counted_failure(throttle, clock, "eero", OFFICE)
    assert fail(throttle, "eero", OFFICE, cookie) > 0  # aino's cookie does not let eero past eero's delay


def test_a_stolen_device_cookie_gets_a_few_tries_then_waits_like_anyone(throttle):
    cookie = sign_in(throttle)
    for _ in range(5):
        assert fail(throttle, address=ATTACKER, cookie=cookie) == 0
    # Its five failures counted on the username as well; from now on the cookie exempts nothing.
    assert throttle.begin("aino", ATTACKER, cookie).device_hash is None
    assert fail(throttle, address=ATTACKER, cookie=cookie) > 0


def test_a_colleague_behind_the_same_address_waits_at_most_the_address_delay(throttle, clock):
    for n in range(40):  # spraying many usernames from the office's address
        counted_failure(throttle, clock, f"user{n}", OFFICE)
    wait = fail(throttle, "eero", OFFICE)
    assert 0 < wait <= CONFIG.address.max_seconds
    clock.advance(wait)
    sign_in(throttle, "eero", OFFICE)


def test_a_success_forgets_typos_but_not_an_attack_on_the_username(throttle, clock):
    for _ in range(3):
        fail(throttle, address=OFFICE)
    sign_in(throttle, address=OFFICE)
    assert throttle.keys_of(["user:aino", "address:" + OFFICE, f"pair:{OFFICE}|aino"]) == {}
    for n in range(12):
        counted_failure(throttle, clock, address=f"203.0.113.{n}")
    clock.advance(60)
    sign_in(throttle, address=OFFICE)
    # The attack stays counted: the success took back only its own reserved failure.
    assert throttle.keys_of(["user:aino"]) == {"user:aino": 12}
    assert 0 < fail(throttle, address=ATTACKER) <= CONFIG.user.max_seconds  # no fresh free failures


def test_usernames_are_throttled_case_insensitively(throttle, clock):
    for name in ("aino", "AINO", "Aino", "aINO", "aino "):
        assert fail(throttle, name) == 0
    assert fail(throttle, "Aino") > 0


def test_quiet_keys_are_forgotten(throttle, clock):
    for _ in range(8):
        counted_failure(throttle, clock)
    clock.advance(24 * 3600 + 1)
    assert throttle.active() == []
    for _ in range(5):
        assert fail(throttle) == 0
    clock.advance(24 * 3600 + 1)
    assert throttle.purge() == 3  # user, address and pair
    assert throttle.keys_of(["user:aino"]) == {}


def test_the_admin_sees_throttled_keys_and_clears_one(throttle, clock):
    for _ in range(6):
        counted_failure(throttle, clock)
    found = {row["key"]: row for row in throttle.active()}
    assert set(found) == {"user:aino", f"pair:{ATTACKER}|aino"}  # the address has 20 free failures
    user = found["user:aino"]
    assert (user["kind"], user["subject"], user["failures"]) == ("user", "aino", 6)
    assert user["blocked_until"] == clock.now + dt.timedelta(seconds=2)  # 1 s after the fifth, 2 s after the sixth
    assert found[f"pair:{ATTACKER}|aino"]["subject"] == f"{ATTACKER} · aino"
    assert throttle.clear("user:aino") and throttle.clear(f"pair:{ATTACKER}|aino")
    assert not throttle.clear("user:aino")
    assert fail(throttle) == 0


def test_a_device_cookie_of_a_shared_computer_keeps_each_advisors_token():
    tokens = [f"t{n}" for n in range(8)]
    assert cookie_tokens(".".join(tokens)) == tokens[:5]
    assert cookie_tokens("x" * 65 + ".ok") == ["ok"]
    assert cookie_tokens(None) == [] and cookie_tokens("...") == []


def test_two_advisors_on_one_browser_both_keep_their_exemption(throttle):
    cookie = sign_in(throttle, "aino")
    cookie = sign_in(throttle, "eero", cookie=cookie)
    assert throttle.begin("aino", OFFICE, cookie).device_hash is not None
    assert throttle.begin("eero", OFFICE, cookie).device_hash is not None


def test_parallel_attempts_cannot_all_slip_through_before_the_first_failure_is_written(throttle):
    """Each attempt reserves its failure before the password check, so a burst gets only the free failures."""
    with ThreadPoolExecutor(max_workers=10) as pool:
        waits = list(pool.map(lambda _: fail(throttle), range(30)))
    assert waits.count(0) == CONFIG.user.free
    assert throttle.keys_of(["user:aino"]) == {"user:aino": CONFIG.user.free}
