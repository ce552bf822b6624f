"""Identity codes (every century sign, valid or mistyped) and phone numbers are removed."""

import pytest

from privacy.redact import ID_CODE_PLACEHOLDER, PHONE_PLACEHOLDER, id_code_is_valid, redact, redact_value

DVV_TEST_CODES = [
    "131052-308T",
    "010594Y9032",
    "020594X903P",
    "030594W903B",
    "040594V9030",
    "050594U903M",
    "010516B903X",
    "020516C903K",
    "030516D9037",
    "010501E9032",
    "020503F9037",
    "010516A903Y",
]


@pytest.mark.parametrize("code", DVV_TEST_CODES[:-1])
def test_published_test_codes_are_valid(code):
    assert id_code_is_valid(code)


def test_check_character_is_checked():
    assert not id_code_is_valid("010190-999K")  # a published example with a wrong check character
    assert id_code_is_valid("010190-999W")


@pytest.mark.parametrize(
    "code", [*DVV_TEST_CODES, "131052-308X", "131052 308T", "131052308t", "010190+999W", "131052a308t"]
)
def test_codes_are_redacted_valid_or_not(code):
    result = redact(f"minun hetu on {code}, kiitos")
    assert result.text == f"minun hetu on {ID_CODE_PLACEHOLDER}, kiitos"
    assert result.kinds == ("id_code",)


@pytest.mark.parametrize(
    "number",
    [
        "040 123 4567",
        "0401234567",
        "+358 40 123 4567",
        "+358401234567",
        "050-1234567",
        "09 1234 567",
        "(09) 123 4567",
        "+46 70 123 45 67",
        "00358 40 123 4567",
        "+358 (0)40 123 4567",
    ],
)
def test_phone_numbers_are_redacted(number):
    result = redact(f"soita {number} kiitos")
    assert result.text == f"soita {PHONE_PLACEHOLDER} kiitos" and result.kinds == ("phone",)


@pytest.mark.parametrize(
    "text",
    [
        "lomake AT 1 ja 5010",
        "SV 157e",
        "1.1.2025 klo 9-16",
        "vuonna 2025",
        "summa 120000 euroa",
        "OT 15",
        "klo 9–15",
        "KE4.2",
        "PL 10, 00056 KELA",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text).text == text and not redact(text).changed


def test_nested_values_are_redacted():
    value = {"a": ["040 1234567", {"b": "131052-308T"}], "n": 3}
    assert redact_value(value) == {"a": [PHONE_PLACEHOLDER, {"b": ID_CODE_PLACEHOLDER}], "n": 3}
