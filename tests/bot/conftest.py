"""The channel keeps phone numbers in the contact vault: a fresh app database for every test."""

import pytest


@pytest.fixture(autouse=True)
def _app_db(app_db):
    return app_db
