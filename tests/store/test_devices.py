"""Kiosk devices: a secret shown once and stored only as its SHA-256, identification, last seen, revoking."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import open_database
from store.devices import DeviceStore, KioskDevice


@pytest.fixture
def devices(tmp_path) -> DeviceStore:
    return DeviceStore(open_database(f"sqlite:///{tmp_path}/app.db"))


def test_register_returns_the_secret_once_and_stores_only_its_hash(devices):
    device, secret = devices.register("p1", "  Lobby kiosk ", "anna")
    assert len(secret) >= 43
    assert (device["point_id"], device["name"], device["created_by"]) == ("p1", "Lobby kiosk", "anna")
    assert device["last_seen_at"] is None and device["revoked_at"] is None
    assert "secret_hash" not in device and secret not in str(device)
    with Session(devices.engine) as session:
        (row,) = session.execute(select(KioskDevice)).scalars()
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (row.name, row.secret_hash)
    second, other = devices.register("p1", "Second", "anna")
    assert other != secret and second["id"] != device["id"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_name_is_needed_and_limited(devices, name):
    with pytest.raises(ValueError):
        devices.register("p1", name, "anna")


def test_identify_finds_the_device_and_notes_last_seen_at_most_once_a_minute(devices):
    device, secret = devices.register("p1", "Lobby", "anna")
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    assert devices.identify(secret, now=start)["id"] == device["id"]
    assert devices.get(device["id"])["last_seen_at"] == start
    devices.identify(secret, now=start + dt.timedelta(seconds=30))
    assert devices.get(device["id"])["last_seen_at"] == start
    later = start + dt.timedelta(minutes=2)
    devices.identify(secret, now=later)
    assert devices.get(device["id"])["last_seen_at"] == later


@pytest.mark.parametrize("secret", [None, "", "not-a-secret", "x" * 5000])
def test_unknown_secrets_are_nobody(devices, secret):
    devices.register("p1", "Lobby", "anna")
    assert devices.identify(secret) is None


def test_a_revoked_device_is_nobody_and_stays_listed(devices):
    device, secret = devices.register("p1", "Lobby", "anna")
    kept, kept_secret = devices.register("p1", "Upstairs", "anna")
    revoked = devices.revoke(device["id"], "anna")
    assert revoked["revoked_at"] is not None
    assert devices.identify(secret) is None
    assert devices.identify(kept_secret)["id"] == kept["id"]
    # Revoking again keeps the first time; an unknown id is None.
    assert devices.revoke(device["id"], "anna")["revoked_at"] == revoked["revoked_at"]
    assert devices.revoke(9999, "anna") is None
    assert [(d["name"], d["revoked_at"] is not None) for d in devices.list()] == [("Upstairs", False), ("Lobby", True)]
