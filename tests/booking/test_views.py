"""Times as customers read them, in each language's format from booking.yml."""

import datetime as dt

import pytest

from booking.views import date_label, slot_label, slot_labels, time_label
from service_catalogue.loader import LANGUAGES
from tests.booking.helpers import at


def test_slot_labels(config):
    start = at(2026, 11, 24, 9)
    assert slot_label(start, "fi", config) == "ti 24.11. klo 9.00"
    assert slot_label(start, "sv", config) == "tis 24.11 kl. 9.00"
    assert slot_label(start, "en", config) == "Tue 24 Nov, 9:00"
    afternoon = at(2027, 3, 30, 14, 30)
    assert [slot_label(afternoon, lang, config) for lang in LANGUAGES] == [
        "ti 30.3. klo 14.30",
        "tis 30.3 kl. 14.30",
        "Tue 30 Mar, 14:30",
    ]


def test_labels_are_helsinki_time_whatever_the_zone_given(config):
    utc = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    assert slot_label(utc, "fi", config) == "ti 24.11. klo 9.00"
    with pytest.raises(ValueError):
        slot_label(utc.replace(tzinfo=None), "fi", config)


def test_date_and_time_labels(config):
    assert date_label(dt.date(2026, 12, 7), "fi", config) == "ma 7.12.2026"
    assert date_label(dt.date(2026, 12, 7), "sv", config) == "mån 7.12.2026"
    assert date_label(dt.date(2026, 12, 7), "en", config) == "Mon 7 Dec 2026"
    assert [time_label(at(2026, 12, 7, 9), lang, config) for lang in LANGUAGES] == [
        "klo 9.00",
        "kl. 9.00",
        "9:00",
    ]


def test_slot_labels_in_every_language(config):
    assert slot_labels(at(2026, 11, 24, 9), config) == {
        "fi": "ti 24.11. klo 9.00",
        "sv": "tis 24.11 kl. 9.00",
        "en": "Tue 24 Nov, 9:00",
    }
