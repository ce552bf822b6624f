"""Identity codes (every century sign, valid or mistyped) and phone numbers are removed."""

import pytest

from privacy.redact import ID_CODE_PLACEHOLDER, PHONE_PLACEHOLDER, id_code_is_valid, phone_numbers, redact, redact_value

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


ID, PHONE = ID_CODE_PLACEHOLDER, PHONE_PLACEHOLDER


def row(typed: str, expected: str, why: str):
    """One row of the table of formats: what a customer types, what is kept of it, and why."""
    return pytest.param(typed, expected, id=f"{typed} ({why})")


# The table of formats: every way an identity code or a phone number has been seen typed, and the
# numbers that look alike but are not personal data (they must stay, or answers break).
FORMATS = [
    # identity codes
    row("131052-308T", ID, "a valid code"),
    row("131052-308X", ID, "a wrong check character is still a code"),
    row("131052-308", ID, "no check character"),
    row("131052A308", ID, "no check character after a letter sign"),
    row("131052 - 308T", ID, "spaces around the dash"),
    row("131052 -308T", ID, "a space before the dash"),
    row("131052- 308", ID, "a space after the dash, no check character"),
    row("131052\u2013308T", ID, "an en dash, as phones and word processors make it"),
    row("131052\u2014308T", ID, "an em dash"),
    row("131052\u2212308T", ID, "a minus sign"),
    row("131052\u2011308T", ID, "a non-breaking hyphen"),
    row("131052 308T", ID, "a space for the sign"),
    row("131052308T", ID, "no sign at all"),
    row("hetu131052-308T", f"hetu{ID}", "glued to a word"),
    row("hetu:131052-308T", f"hetu:{ID}", "after a colon"),
    row("(131052-308T)", f"({ID})", "in brackets"),
    row("131052-308Tkiitos", f"{ID}kiitos", "a word glued after it"),
    row("131052-308t", ID, "lower case check character"),
    row("010516b903x", ID, "lower case sign and check character"),
    row("010190+999W", ID, "+ for the 1800s"),
    row("010594Y9032", ID, "new sign Y (1900s)"),
    row("020594X903P", ID, "new sign X (1900s)"),
    row("030594W903B", ID, "new sign W (1900s)"),
    row("040594V9030", ID, "new sign V (1900s)"),
    row("050594U903M", ID, "new sign U (1900s)"),
    row("010516A903Y", ID, "A (2000s)"),
    row("010516B903X", ID, "new sign B (2000s)"),
    row("020516C903K", ID, "new sign C (2000s)"),
    row("030516D9037", ID, "new sign D (2000s)"),
    row("010501E9032", ID, "new sign E (2000s)"),
    row("020503F9037", ID, "new sign F (2000s)"),
    # phone numbers
    row("0401234567", PHONE, "a mobile number in one piece"),
    row("040 123 4567", PHONE, "grouped with spaces"),
    row("040 1234567", PHONE, "prefix apart"),
    row("040-123 4567", PHONE, "a hyphen after the prefix"),
    row("050-1234567", PHONE, "a hyphen, then one piece"),
    row("040 - 123 4567", PHONE, "a spaced hyphen"),
    row("040/123 4567", PHONE, "a slash after the prefix"),
    row("040.123.4567", PHONE, "dots"),
    row("040 123 45 67", PHONE, "pairs at the end"),
    row("(040) 123 4567", PHONE, "the prefix in brackets"),
    row("40 123 4567", PHONE, "a mobile number without its 0"),
    row("40 1234567", PHONE, "a mobile number without its 0, in two pieces"),
    row("358401234567", PHONE, "the country code without +"),
    row("+358401234567", PHONE, "international in one piece"),
    row("+358 40 123 4567", PHONE, "international grouped"),
    row("+358-40-1234567", PHONE, "international with hyphens"),
    row("+358 (0)40 123 4567", PHONE, "international with the (0)"),
    row("+358 040 123 4567", PHONE, "international with the 0 left in"),
    row("00358401234567", PHONE, "00 for +"),
    row("00358 40 123 4567", PHONE, "00 for +, grouped"),
    row("+358 9 310 1234", PHONE, "an international landline"),
    row("+46 70 123 45 67", PHONE, "a Swedish mobile number"),
    row("09 310 1234", PHONE, "a Helsinki landline"),
    row("(09) 310 1234", PHONE, "a landline with its area code in brackets"),
    row("09 1234 567", PHONE, "a landline grouped 4 and 3"),
    row("puh.0401234567", f"puh.{PHONE}", "glued to an abbreviation"),
    row("puh0401234567", f"puh{PHONE}", "glued to a word"),
    row("tel:+358401234567", f"tel:{PHONE}", "a tel: link"),
    row("0401234567 050 1234567", f"{PHONE} {PHONE}", "two numbers stay two"),
    row("09/2026 0401234567", f"09/2026 {PHONE}", "a month before a number is not swallowed"),
    # not personal data
    row("AT 1", "AT 1", "a form code (catalogue/data/forms.yml)"),
    row("Y 38", "Y 38", "a form code with a century letter"),
    row("SV 157e", "SV 157e", "a form code with a language letter"),
    row("OT 15", "OT 15", "a form code"),
    row("EV 256", "EV 256", "a form code"),
    row("5010", "5010", "a numeric form code"),
    row("KE4.2", "KE4.2", "a life situation code"),
    row("1 234,56 €", "1 234,56 €", "a sum"),
    row("12 345 678 €", "12 345 678 €", "a large sum in groups of three"),
    row("45 000 €", "45 000 €", "a sum starting like a mobile number"),
    row("120000 euroa", "120000 euroa", "a sum in one piece"),
    row("13.10.2026", "13.10.2026", "a date"),
    row("01.10.2026", "01.10.2026", "a date starting with 0"),
    row("01/10/2026", "01/10/2026", "a date with slashes"),
    row("1.1.2025", "1.1.2025", "a short date"),
    row("2026-10-13", "2026-10-13", "an ISO date"),
    row("2026-04-05", "2026-04-05", "an ISO date with zeros"),
    row("klo 9.00\u201316.00", "klo 9.00\u201316.00", "opening hours"),
    row("klo 09.00-16.00", "klo 09.00-16.00", "opening hours with zeros"),
    row("klo 08:00-16:00", "klo 08:00-16:00", "opening hours with colons"),
    row("klo 9-16", "klo 9-16", "short opening hours"),
    row("vuonna 2025", "vuonna 2025", "a year"),
    row("00100 Helsinki", "00100 Helsinki", "a postal code"),
    row("PL 10, 00056 KELA", "PL 10, 00056 KELA", "a PO box"),
    row("A001", "A001", "a ticket number"),
    row("K7QH-29XM", "K7QH-29XM", "a booking reference"),
    row("Kauppakatu 12 B 5", "Kauppakatu 12 B 5", "a street address"),
    row("Kauppakatu 12 B 5, 00100 Helsinki", "Kauppakatu 12 B 5, 00100 Helsinki", "a full address"),
    row("Y-tunnus 0245437-2", "Y-tunnus 0245437-2", "a business id is not a phone number"),
    row("FI21 1234 5600 0007 85", "FI21 1234 5600 0007 85", "an IBAN has no phone number in it"),
    row("321052-308T", "321052-308T", "no 32nd day"),
    row("131352-308T", "131352-308T", "no 13th month"),
    row("010125-311225", "010125-311225", "a date range"),
    row("1310523080", "1310523080", "ten digits, not a date and a number"),
    row("09 1234", "09 1234", "too short for a phone number"),
]


@pytest.mark.parametrize("typed, expected", FORMATS)
def test_format_table(typed, expected):
    kinds = tuple(kind for kind, mark in (("id_code", ID), ("phone", PHONE)) if mark in expected)
    for before, after in (("", ""), ("Moi, ", ". Kiitos!")):
        result = redact(f"{before}{typed}{after}")
        assert result.text == f"{before}{expected}{after}"
        assert result.kinds == kinds


@pytest.mark.parametrize("typed, expected", [p for p in FORMATS if p.values[1].count(PHONE) == 1])
def test_phone_numbers_gives_the_number_as_typed(typed, expected):
    """The vault gets exactly what the placeholder hides."""
    start = expected.index(PHONE)
    number = typed[start : len(typed) - (len(expected) - start - len(PHONE))]
    assert phone_numbers(typed) == [number]


def test_the_table_covers_many_formats():
    assert len(FORMATS) >= 90


def test_nested_values_are_redacted():
    value = {"a": ["040 1234567", {"b": "131052-308T"}], "n": 3}
    assert redact_value(value) == {"a": [PHONE_PLACEHOLDER, {"b": ID_CODE_PLACEHOLDER}], "n": 3}
