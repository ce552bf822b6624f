"""Booking fixtures: the real catalogue's configuration and a client over a SQLite file per test."""

import dataclasses

import pytest

from booking.client import LocalBookingClient
from booking.config import BookingConfig
from service_catalogue.loader import load_catalogue
from store.db import open_database


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="session")
def config(catalogue):
    return BookingConfig.from_catalogue(catalogue)


@pytest.fixture
def engine(tmp_path):
    return open_database(f"sqlite:///{tmp_path}/app.db")


@pytest.fixture
def make(engine, config):
    """make(**changes) -> a client whose configuration differs by `changes` (dataclasses.replace)."""

    def build(**changes):
        return LocalBookingClient(engine, dataclasses.replace(config, **changes) if changes else config)

    return build


@pytest.fixture
def client(make):
    return make()
