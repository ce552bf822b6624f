"""Finds and removes personal identity codes and phone numbers from free text."""

from __future__ import annotations

import re
from dataclasses import dataclass

ID_CODE_PLACEHOLDER = "<ID_CODE>"
PHONE_PLACEHOLDER = "<PHONE_NUMBER>"

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Decree 128/2010 as amended by 690/2022: + (1800s), - Y X W V U (1900s), A B C D E F (2000s).
CENTURY_SIGNS = "+-YXWVUABCDEF"

# Loose on purpose: mistyped codes (wrong check character, a space or nothing for the sign,
# lower case) are personal data too. The date part keeps ordinary numbers from matching.
_ID_CODE = re.compile(
    r"(?<![\w+])"
    r"(?P<day>0[1-9]|[12]\d|3[01])(?P<month>0[1-9]|1[0-2])(?P<year>\d{2})"
    r"(?P<sign>[-+A-FU-Ya-fu-y]|\s?)"
    r"(?P<number>\d{3})(?P<check>[0-9A-Ya-y])"
    r"(?!\w)"
)
# A phone number starts with + / 00 (international) or 0 (Finnish), then 6 to 14 more digits,
# grouped by spaces, hyphens or brackets.
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)\d{1,3}[\s-]?(?:\(0\)[\s-]?)?|\(?0)"
    r"\d\)?(?:[\s-]?\(?\d\)?){5,13}"
    r"(?![\w])"
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
    if not match.group("sign") and match.group("check").isdigit():
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
