"""Staff accounts (advisor, editor, admin) and their server-side sessions.

Passwords are hashed with argon2 (argon2-cffi, web environment only). A session cookie carries a
random token; the database keeps only its SHA-256, so a copy of the database opens no session.
Works on SQLAlchemy 1.4 and 2.x.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import StaffAccount, StaffSession
from store.rows import now_db

ROLES = ("advisor", "editor", "admin")
# Each role may do what the roles before it may do.
RANK = {role: i for i, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Verifying against this keeps the time of an unknown username close to that of a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account cannot be created or changed; `code` names the reason (a text key)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    must_change_password: bool

    def has_role(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


@dataclass(frozen=True)
class SessionInfo:
    account: Account
    csrf_token: str
    expires_at: dt.datetime


def _now() -> dt.datetime:
    return now_db()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _account(row: StaffAccount) -> Account:
    return Account(row.id, row.username, row.role, bool(row.must_change_password))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")


class AccountStore:
    """Accounts and sessions over one engine (the app's database)."""

    def __init__(self, engine):
        self.engine = engine

    # Accounts
    def create(self, username: str, password: str, role: str, *, must_change_password: bool = False) -> Account:
        username = username.strip()
        if not username or len(username) > 64:
            raise AccountError("bad_username")
        if role not in ROLES:
            raise AccountError("bad_role")
        check_password(password)
        with Session(self.engine) as session:
            row = StaffAccount(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                must_change_password=must_change_password,
                created_at=_now(),
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise AccountError("username_taken") from None
            return _account(row)

    def list(self) -> list[Account]:
        with Session(self.engine) as session:
            rows = session.execute(select(StaffAccount).order_by(StaffAccount.username)).scalars()
            return [_account(r) for r in rows]

    def has_admin(self) -> bool:
        with Session(self.engine) as session:
            return (
                session.execute(select(StaffAccount.id).where(StaffAccount.role == "admin").limit(1)).first()
                is not None
            )

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account when the password matches, else None (same work for unknown names)."""
        with Session(self.engine) as session:
            row = session.execute(
                select(StaffAccount).where(StaffAccount.username == username.strip())
            ).scalar_one_or_none()
            try:
                _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return None
            if row is None:
                return None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
                session.commit()
            return _account(row)

    def change_password(self, account_id: int, current: str, new: str) -> None:
        check_password(new)
        with Session(self.engine) as session:
            row = session.get(StaffAccount, account_id)
            if row is None:  # removed while signed in: a fault, not a wrong password
                raise LookupError(f"no staff account {account_id}")
            try:
                _hasher.verify(row.password_hash, current)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                raise AccountError("wrong_password") from None
            if new == current:
                raise AccountError("password_same")
            row.password_hash = _hasher.hash(new)
            row.must_change_password = False
            session.commit()

    def password_hash(self, username: str) -> str | None:
        with Session(self.engine) as session:
            return session.execute(select(StaffAccount.password_hash).where(StaffAccount.username == username)).scalar()

    # Sessions
    def start_session(self, account: Account, hours: float) -> tuple[str, SessionInfo]:
        """A new session; returns the cookie's token (never stored) and the session."""
        token = secrets.token_urlsafe(32)
        now = _now()
        row = StaffSession(
            token_hash=token_hash(token),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
        with Session(self.engine) as session:
            session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
            session.add(row)
            session.commit()
            return token, SessionInfo(account, row.csrf_token, row.expires_at)

    def session(self, token: str | None) -> SessionInfo | None:
        """The live session of this cookie token, or None."""
        if not token:
            return None
        with Session(self.engine) as session:
            found = session.execute(
                select(StaffSession, StaffAccount)
                .join(StaffAccount, StaffAccount.id == StaffSession.account_id)
                .where(StaffSession.token_hash == token_hash(token))
            ).first()
            if found is None:
                return None
            row, account = found
            if row.expires_at <= _now():
                session.delete(row)
                session.commit()
                return None
            return SessionInfo(_account(account), row.csrf_token, row.expires_at)

    def end_session(self, token: str | None) -> None:
        if not token:
            return
        with Session(self.engine) as session:
            session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))
            session.commit()

    def end_other_sessions(self, account_id: int, keep_token: str) -> None:
        with Session(self.engine) as session:
            session.execute(
                delete(StaffSession).where(
                    StaffSession.account_id == account_id, StaffSession.token_hash != token_hash(keep_token)
                )
            )
            session.commit()
