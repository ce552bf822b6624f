"""The contact vault keeps a number only for KEEP_FOR, forgets it on request and purges on a timer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from privacy.vault import KEEP_FOR, ContactVault
from store.db import open_database
from store.models import VaultEntry

T0 = dt.datetime(2026, 10, 13, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def vault(app_db) -> ContactVault:
    return ContactVault(open_database(app_db))


def stored(vault: ContactVault) -> int:
    with Session(vault.engine) as session:
        return session.execute(select(func.count()).select_from(VaultEntry)).scalar_one()


def test_a_number_is_kept_for_a_booking_form_and_no_longer():
    # Long enough to answer a few questions; short enough that a left-behind number does not linger.
    assert dt.timedelta(minutes=5) <= KEEP_FOR <= dt.timedelta(minutes=15)


def test_put_replaces_and_peek_reads_until_expiry(vault):
    vault.put("c1", "040 111 1111", now=T0)
    vault.put("c1", "040 222 2222", now=T0)
    assert vault.peek("c1", now=T0 + KEEP_FOR - dt.timedelta(seconds=1)) == "040 222 2222"
    assert vault.peek("c1", now=T0 + KEEP_FOR + dt.timedelta(seconds=1)) is None
    assert stored(vault) == 1


def test_take_reads_once(vault):
    vault.put("c1", "040 111 1111", now=T0)
    assert vault.take("c1", now=T0) == "040 111 1111"
    assert vault.take("c1", now=T0) is None
    assert stored(vault) == 0


def test_forget_removes_only_that_conversations_number(vault):
    vault.put("c1", "040 111 1111", now=T0)
    vault.put("c2", "040 222 2222", now=T0)
    vault.forget("c1")
    vault.forget("never-seen")  # nothing to forget is fine
    assert vault.peek("c1", now=T0) is None
    assert vault.peek("c2", now=T0) == "040 222 2222"


def test_purge_expired_deletes_every_old_number_without_waiting_for_a_new_one(vault):
    vault.put("old-1", "040 111 1111", now=T0)
    vault.put("old-2", "040 222 2222", now=T0 + dt.timedelta(minutes=1))
    vault.put("fresh", "040 333 3333", now=T0 + KEEP_FOR)
    later = T0 + KEEP_FOR + dt.timedelta(minutes=2)
    assert vault.purge_expired(now=later) == 2
    assert stored(vault) == 1
    assert vault.peek("fresh", now=later) == "040 333 3333"
    assert vault.purge_expired(now=later) == 0


def test_purge_expired_takes_an_aware_time_in_any_zone(vault):
    vault.put("c1", "040 111 1111", now=T0)
    helsinki = dt.timezone(dt.timedelta(hours=3))
    assert vault.purge_expired(now=(T0 + KEEP_FOR - dt.timedelta(minutes=1)).astimezone(helsinki)) == 0
    assert vault.purge_expired(now=(T0 + KEEP_FOR + dt.timedelta(minutes=1)).astimezone(helsinki)) == 1
