"""Finds and removes personal identity codes and phone numbers from free text."""

from __future__ import annotations

import re
from dataclasses import dataclass

ID_CODE_PLACEHOLDER = "<ID_CODE>"
PHONE_PLACEHOLDER = "<PHONE_NUMBER>"

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Decree 128/2010 as amended by 690/2022: + (1800s), - Y X W V U (1900s), A B C D E F (2000s).
CENTURY_SIGNS = "+-YXWVUABCDEF"

# What people type for the hyphen: hyphen-minus, the Unicode hyphens, figure, en and em dash, minus.
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SIGN_CHARS = f"+{_DASHES}A-FU-Ya-fu-y"

# Loose on purpose: mistyped codes (wrong or missing check character, a space, a dash of any kind or
# nothing for the sign, spaces around the dash, lower case, glued to a word such as "hetu:") are
# personal data too. The date part keeps ordinary numbers from matching; a digit before or after
# means a longer number (a date range, an account), which is not a code.
# The check character may be left out only after a real sign (131052-308): nine digits alone are not
# a code. The lookbehinds say so, each of a fixed width, which both Python and JavaScript accept.
_ID_CODE = re.compile(
    r"(?<![\d+])"
    r"(?P<day>0[1-9]|[12]\d|3[01])(?P<month>0[1-9]|1[0-2])(?P<year>\d{2})"
    rf"(?P<sign>\s{{0,2}}[+{_DASHES}]\s{{0,2}}|[A-FU-Ya-fu-y]|\s?)"
    r"(?P<number>\d{3})"
    rf"(?:(?P<check>[0-9A-Ya-y])|(?<=[{_SIGN_CHARS}]\d{{3}})|(?<=[+{_DASHES}]\s\d{{3}})|(?<=[+{_DASHES}]\s\s\d{{3}}))"
    r"(?!\d)"
)

# Phone numbers, as written in Finland and abroad. A number is a prefix and a subscriber part:
# - international: + or 00 and a country code, or 358 alone, then the national number without its 0
#   (a stray "(0)" or 0 allowed): +358 40 123 4567, 00358401234567, 358401234567, +46 70 123 45 67;
# - Finnish: 0 and the area or operator code, in brackets or not: 040 123 4567, (09) 310 1234;
# - a mobile number without its 0: 40 123 4567 (its last group has four digits, unlike a sum).
# The subscriber part is one of a few shapes (5-8 digits; 3-4 and 3-4; 2-3, 2 and 2), separated by a
# space, dot, slash or hyphen, so a date (01.10.2026), a time (09.00-16.00), a postal code (00100) or
# a business id (0123456-7) never fits and a number never swallows the next one.
_SEP = r"(?:\s?[./-]\s?|\s)"
_SUBSCRIBER = rf"(?:\d{{5,8}}|\d{{3,4}}{_SEP}\d{{3,4}}|\d{{2,3}}{_SEP}\d{{2}}{_SEP}\d{{2}})"
_PHONE = re.compile(
    # Not inside a number, nor right after "12." or "1/" (the rest of a date or a sum).
    r"(?<![\d+])(?<!\d[.,/:])"
    # Not a date or a time: two digits, a dot, slash or colon, one or two digits and no more.
    r"(?!\d{1,2}[./:]\d{1,2}(?!\d))"
    r"(?:"
    rf"(?:(?:\+|00)\s?\d{{1,3}}|358)(?:\s?\(0\))?{_SEP}?\(?0?[1-9]\d{{0,3}}\)?{_SEP}?{_SUBSCRIBER}"
    rf"|\(?0[1-9]\d{{0,2}}\)?{_SEP}?{_SUBSCRIBER}"
    rf"|(?:4\d|50){_SEP}(?:\d{{7}}|\d{{3}}{_SEP}?\d{{4}})"
    r")"
    # Not followed by more of a number: a digit, or a decimal or date separator and a digit.
    r"(?!\d|[.,/:-]\d)"
)


@dataclass(frozen=True)
class Redaction:
    """Redacted text and the kinds of personal data that were removed."""

    text: str
    kinds: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when anything was removed."""
        return bool(self.kinds)


def id_code_is_valid(code: str) -> bool:
    """True for a well-formed personal identity code whose check character is right."""
    code = code.strip().upper()
    if len(code) != 11 or code[6] not in CENTURY_SIGNS:
        return False
    digits = code[:6] + code[7:10]
    if not digits.isdigit():
        return False
    return CHECK_CHARACTERS[int(digits) % 31] == code[10]


def redact(text: str | None) -> Redaction:
    """Replace identity codes and phone numbers with placeholders."""
    if not text:
        return Redaction(text or "", ())
    kinds: list[str] = []
    result = _ID_CODE.sub(_id_code_or_keep, text)
    if ID_CODE_PLACEHOLDER in result and ID_CODE_PLACEHOLDER not in text:
        kinds.append("id_code")
    result = _PHONE.sub(_phone_or_keep, result)
    if PHONE_PLACEHOLDER in result and PHONE_PLACEHOLDER not in text:
        kinds.append("phone")
    return Redaction(result, tuple(kinds))


def _id_code_or_keep(match: re.Match) -> str:
    # Ten digits with no sign is far more often a phone number (040 1234567) than a code.
    if not match.group("sign") and (match.group("check") or "").isdigit():
        return match.group()
    return ID_CODE_PLACEHOLDER


def _phone_or_keep(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    # Fewer than 7 digits is a number of another kind (a form code, a sum, a year).
    return PHONE_PLACEHOLDER if 7 <= len(digits) <= 15 else match.group()


def phone_numbers(text: str | None) -> list[str]:
    """The phone numbers redact() would remove from the text, as typed."""
    # Identity codes go first, as in redact(), so a code is never taken for a number.
    without_codes = _ID_CODE.sub(_id_code_or_keep, text or "")
    return [m.group() for m in _PHONE.finditer(without_codes) if _phone_or_keep(m) == PHONE_PLACEHOLDER]


def client_patterns() -> dict[str, str]:
    """The two patterns as JavaScript RegExp sources, so the chat screens mask with the server's rule.

    The screens hide a code or number the moment it is typed, before the server's redacted echo
    arrives. The dialects differ in two places: named groups, and `\\w`, which is Unicode in Python but
    ASCII in JavaScript, so it becomes letters, digits and `_` by Unicode property (the screens use the
    `u` flag).
    """
    word = r"\p{L}\p{N}_"
    return {
        name: pattern.pattern.replace("(?P<", "(?<").replace("[\\w", f"[{word}").replace("\\w", f"[{word}]")
        for name, pattern in (("id_code", _ID_CODE), ("phone", _PHONE))
    }


def redact_value(value):
    """Redact every string inside a JSON-like value (dicts, lists), leaving structure alone."""
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    return value
