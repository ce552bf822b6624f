"""Phone numbers: Finnish and international, written as E.164; anything else is None."""

import pytest

from booking.phone import normalise_phone


@pytest.mark.parametrize(
    "text, expected",
    [
        ("040 123 4567", "+358401234567"),
        ("0401234567", "+358401234567"),
        ("040-123 4567", "+358401234567"),
        ("050 1234567", "+358501234567"),
        ("09 1234567", "+35891234567"),
        ("+358 40 1234567", "+358401234567"),
        ("+358401234567", "+358401234567"),
        ("00358401234567", "+358401234567"),
        ("(09) 123 4567", "+35891234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046701234567", "+46701234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 202 555 0143", "+12025550143"),
    ],
)
def test_valid_numbers(text, expected):
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "123",
        "0401",
        "hello",
        "040 123",
        "+358 1",
        "+46 70",
        "0000000000",
        "040 123 4567 " + "x" * 40,
    ],
)
def test_invalid_numbers(text):
    assert normalise_phone(text) is None
