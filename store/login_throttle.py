"""Failed staff logins per key (an address, a username, a known device), for growing delays (issue 12).

Anti-automation as OWASP ASVS 4.0 V2.2.1 asks: an attacker is slowed, nobody can lock an advisor out.
After a few free failures a key's next attempt waits a delay that doubles with each further failure,
up to a cap; a refused attempt counts nothing, so hammering a username never pushes its wait past the
cap. A browser that signed in before holds a device cookie ("Slow down online guessing attacks with
device cookies", OWASP): an attempt with a valid one for the username is not held up by the username,
address or address+username delays, so an attacker hammering a username or a shared address cannot
keep the real advisor out. Everything is in the app database, so it holds across processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, Integer, String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session

from store.models import Base
from store.rows import UTC, rowcount, to_db

# As in store.models: plain Columns at run time (SQLAlchemy 1.4 and 2.x), mapped_column for the type checker.
if TYPE_CHECKING:
    from sqlalchemy.orm import mapped_column as column
else:
    column = Column


class LoginThrottle(Base):
    """Consecutive failed logins of one key, e.g. "address:192.0.2.1" or "user:aino"."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = column(String(200), primary_key=True)
    failures: Mapped[int] = column(Integer, nullable=False, default=0)
    first_failure_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    last_failure_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    blocked_until: Mapped[dt.datetime | None] = column(DateTime)  # naive UTC


class LoginDevice(Base):
    """A browser that signed in as this username: its device cookie's token, of which only the SHA-256 is kept."""

    __tablename__ = "staff_login_devices"

    token_hash: Mapped[str] = column(String(64), primary_key=True)
    username: Mapped[str] = column(String(64), nullable=False, index=True)  # casefolded
    created_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC
    last_used_at: Mapped[dt.datetime] = column(DateTime, nullable=False)  # naive UTC


USERNAME_MAX = 64
ADDRESS_MAX = 64
TOKEN_MAX = 64
# A shared desk computer may hold the cookies of a few advisors; more are dropped, oldest first.
DEVICE_TOKENS_PER_COOKIE = 5
# Devices kept per username (each browser that signed in); the oldest beyond go.
DEVICES_PER_USER = 20
# The admin's notice lists at most this many keys, most recent first.
ACTIVE_MAX = 100
# Attempts to redo a reservation that lost a race with another process before giving up with a short wait.
RACE_RETRIES = 5


@dataclass(frozen=True)
class Policy:
    """Growing delays of one kind of key: `free` failures cost nothing, then each waits twice the last, up to a cap."""

    free: int
    base_seconds: float
    max_seconds: float

    def delay(self, failures: int) -> float:
        """Seconds the next attempt waits after this many failures."""
        if failures < self.free:
            return 0.0
        # min() before the power would overflow for a long-running attack; 2**60 s is beyond any cap.
        return min(self.base_seconds * 2 ** min(failures - self.free, 60), self.max_seconds)


def max_failures_per_hour(policy: Policy) -> int:
    """The most failures one key lets through in its first hour, trying the moment each delay ends (the worst case)."""
    moment, failures = 0.0, 0
    while moment < 3600:
        failures += 1
        moment += policy.delay(failures)
        if failures > 100_000:  # a zero delay never ends the hour
            break
    return failures


@dataclass(frozen=True)
class ThrottleConfig:
    """The policies of the three kinds of key, the device cookies' trust and how long quiet keys are remembered."""

    user: Policy
    pair: Policy
    address: Policy
    # A device cookie stops exempting its browser after this many failures with it (until a success).
    device_failures: int
    # A key with no failure for this long is forgotten: its next failure counts from one again.
    forget: dt.timedelta
    # A device cookie not used for this long is no longer known.
    device_lifetime: dt.timedelta


@dataclass(frozen=True)
class Attempt:
    """One login attempt after the throttle: refused (`retry_after` > 0) or let through with its failure reserved."""

    username: str  # casefolded
    address: str
    retry_after: int = 0
    device_hash: str | None = None  # set when a valid device cookie for this username exempted the attempt
    counted: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.retry_after > 0


class _Raced(Exception):
    """Another process changed a key between our read and our write: redo the whole reservation."""


def user_key(username: str) -> str:
    return "user:" + username


def address_key(address: str) -> str:
    return "address:" + address


def pair_key(address: str, username: str) -> str:
    return f"pair:{address}|{username}"


def device_key(device_hash: str) -> str:
    return "device:" + device_hash


def normal_username(username: str) -> str:
    """The form a username is throttled under: "Aino" and "aino" share their delays."""
    return username.strip().casefold()[:USERNAME_MAX]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def cookie_tokens(value: str | None) -> list[str]:
    """The tokens of a device cookie ("tok1.tok2"); anything malformed or beyond the limit is ignored."""
    if not value:
        return []
    tokens = [t for t in value[: (TOKEN_MAX + 1) * DEVICE_TOKENS_PER_COOKIE].split(".") if 0 < len(t) <= TOKEN_MAX]
    return tokens[:DEVICE_TOKENS_PER_COOKIE]


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class LoginThrottleStore:
    """The throttle over one engine (the app database); `clock` (aware datetimes) is for tests."""

    def __init__(self, engine, config: ThrottleConfig, clock: Callable[[], dt.datetime] = _now):
        self.engine = engine
        self.config = config
        self.clock = clock

    def _db_now(self) -> dt.datetime:
        return to_db(self.clock())

    def policy_of(self, key: str) -> Policy | None:
        kind = key.split(":", 1)[0]
        return {"user": self.config.user, "pair": self.config.pair, "address": self.config.address}.get(kind)

    # The attempt

    def begin(self, username: str, address: str, cookie: str | None) -> Attempt:
        """Refuse the attempt (retry_after) or reserve its failure on every key it counts on, before the password
        is checked: parallel attempts then cannot all slip through before the first failure is written."""
        name = normal_username(username)
        address = address[:ADDRESS_MAX]
        for _ in range(RACE_RETRIES):
            with Session(self.engine) as session:
                try:
                    attempt = self._reserve(session, name, address, cookie_tokens(cookie))
                except (_Raced, IntegrityError):
                    session.rollback()
                    continue
                if attempt.refused:
                    session.rollback()
                else:
                    session.commit()
                return attempt
        return Attempt(name, address, retry_after=1)

    def _reserve(self, session: Session, name: str, address: str, tokens: list[str]) -> Attempt:
        now = self._db_now()
        device = self._known_device(session, name, tokens, now) if name else None
        if device is not None:
            # Only the device's own counter holds it back; its failures still count on the username, so the
            # username's figures (and the admin's notice) tell the whole story.
            keys = sorted((device_key(device), user_key(name)))
            states = {key: self._state(session, key, now) for key in keys}
            if states[device_key(device)][0] < self.config.device_failures:
                for key in keys:
                    self._count(session, key, states[key], now)
                return Attempt(name, address, device_hash=device, counted=tuple(keys))
        keys = sorted([address_key(address), pair_key(address, name)] + ([user_key(name)] if name else []))
        states = {key: self._state(session, key, now) for key in keys}
        blocked = [until for _, until, _ in states.values() if until is not None and until > now]
        if blocked:
            return Attempt(name, address, retry_after=max(1, math.ceil((max(blocked) - now).total_seconds())))
        for key in keys:
            self._count(session, key, states[key], now)
        return Attempt(name, address, counted=tuple(keys))

    def _known_device(self, session: Session, name: str, tokens: list[str], now: dt.datetime) -> str | None:
        if not tokens:
            return None
        since = now - self.config.device_lifetime
        return session.execute(
            select(LoginDevice.token_hash).where(
                LoginDevice.token_hash.in_([token_hash(t) for t in tokens]),
                LoginDevice.username == name,
                LoginDevice.last_used_at > since,
            )
        ).scalar()

    def _state(self, session: Session, key: str, now: dt.datetime) -> tuple[int, dt.datetime | None, int | None]:
        """(failures that still count, blocked until, failures as stored or None for no row)."""
        row = session.execute(
            select(LoginThrottle.failures, LoginThrottle.last_failure_at, LoginThrottle.blocked_until).where(
                LoginThrottle.key == key
            )
        ).first()
        if row is None:
            return 0, None, None
        failures, last, blocked = row
        if last < now - self.config.forget:
            return 0, None, failures
        return failures, blocked, failures

    def _count(self, session: Session, key: str, state: tuple[int, dt.datetime | None, int | None], now: dt.datetime):
        failures, _, stored = state
        policy = self.policy_of(key)
        failures += 1
        delay = policy.delay(failures) if policy else 0.0
        blocked = now + dt.timedelta(seconds=delay) if delay else None
        if stored is None:
            session.execute(
                insert(LoginThrottle).values(
                    key=key, failures=1, first_failure_at=now, last_failure_at=now, blocked_until=blocked
                )
            )
            return
        values = {"failures": failures, "last_failure_at": now, "blocked_until": blocked}
        if failures == 1:  # a forgotten key starts again
            values["first_failure_at"] = now
        # Compare-and-set on the count read: a parallel attempt that got there first makes us start over.
        result = session.execute(
            update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.failures == stored).values(**values)
        )
        if rowcount(result) != 1:
            raise _Raced(key)

    def succeeded(self, attempt: Attempt, cookie: str | None) -> str:
        """The password was right: take back this attempt's reserved failure, forget the typos of this browser and
        address, and return the new device cookie (this username's token first, replacing its old one).

        The username and address keys are forgotten only while they were within their free failures: once delays
        are in force, an attacker may be at work, and a success (the victim's, or a colleague's behind the same
        address) must not hand them a fresh set of free attempts. The real advisor has her device cookie now.
        """
        now = self._db_now()
        new_token = secrets.token_urlsafe(32)
        tokens = cookie_tokens(cookie)
        hashes = [token_hash(t) for t in tokens]
        with Session(self.engine) as session:
            for key in attempt.counted:
                session.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
                    .values(failures=LoginThrottle.failures - 1)
                )
            session.execute(
                delete(LoginThrottle).where(
                    LoginThrottle.key.in_(
                        [pair_key(attempt.address, attempt.username)] + [device_key(h) for h in hashes]
                    )
                )
            )
            for key in (user_key(attempt.username), address_key(attempt.address)):
                policy = self.policy_of(key)
                assert policy is not None
                session.execute(
                    delete(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.failures < policy.free)
                )
            # This browser's old token for this username is replaced (rotated); other usernames' tokens stay.
            mine = set(
                session.execute(
                    select(LoginDevice.token_hash).where(
                        LoginDevice.token_hash.in_(hashes), LoginDevice.username == attempt.username
                    )
                ).scalars()
            )
            session.execute(delete(LoginDevice).where(LoginDevice.token_hash.in_(list(mine))))
            session.add(
                LoginDevice(
                    token_hash=token_hash(new_token), username=attempt.username, created_at=now, last_used_at=now
                )
            )
            session.flush()
            kept = session.execute(
                select(LoginDevice.token_hash)
                .where(LoginDevice.username == attempt.username)
                .order_by(LoginDevice.last_used_at.desc(), LoginDevice.created_at.desc())
                .offset(DEVICES_PER_USER)
            ).scalars()
            session.execute(delete(LoginDevice).where(LoginDevice.token_hash.in_(list(kept))))
            self._purge(session, now)
            session.commit()
        others = [t for t, h in zip(tokens, hashes, strict=True) if h not in mine]
        return ".".join([new_token, *others][:DEVICE_TOKENS_PER_COOKIE])

    # The admin's view

    def active(self) -> list[dict]:
        """Usernames, addresses and address+username pairs whose delays are in force, most recent first."""
        now = self._db_now()
        with Session(self.engine) as session:
            rows = session.execute(
                select(LoginThrottle)
                .where(LoginThrottle.last_failure_at >= now - self.config.forget, ~LoginThrottle.key.like("device:%"))
                .order_by(LoginThrottle.last_failure_at.desc())
            ).scalars()
            found = []
            for row in rows:
                policy = self.policy_of(row.key)
                if policy is None or row.failures < policy.free:
                    continue
                kind, subject = row.key.split(":", 1)
                until = row.blocked_until if row.blocked_until and row.blocked_until > now else None
                found.append(
                    {
                        "key": row.key,
                        "kind": kind,
                        "subject": subject.replace("|", " · "),
                        "failures": row.failures,
                        "first_failure_at": _aware(row.first_failure_at),
                        "last_failure_at": _aware(row.last_failure_at),
                        "blocked_until": _aware(until),
                    }
                )
                if len(found) >= ACTIVE_MAX:
                    break
            return found

    def clear(self, key: str) -> bool:
        """Forget one key's failures (the admin's button); False when there was nothing to clear."""
        with Session(self.engine) as session:
            result = session.execute(delete(LoginThrottle).where(LoginThrottle.key == key[:200]))
            session.commit()
            return rowcount(result) > 0

    def purge(self) -> int:
        """Delete forgotten keys and devices unused too long (also done on each success; for a retention job)."""
        with Session(self.engine) as session:
            removed = self._purge(session, self._db_now())
            session.commit()
            return removed

    def _purge(self, session: Session, now: dt.datetime) -> int:
        keys = session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - self.config.forget))
        devices = session.execute(
            delete(LoginDevice).where(LoginDevice.last_used_at < now - self.config.device_lifetime)
        )
        return rowcount(keys) + rowcount(devices)

    def keys_of(self, keys: Iterable[str]) -> dict[str, int]:
        """Failures stored per key (tests and diagnostics)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(LoginThrottle.key, LoginThrottle.failures).where(LoginThrottle.key.in_(list(keys)))
            )
            return {row.key: row.failures for row in rows}
