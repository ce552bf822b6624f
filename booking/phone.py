"""Phone numbers a customer gives for a booking, checked and written in E.164."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "FI"  # a number without a country code is read as Finnish
MAX_LENGTH = 40  # longer text is not a phone number, whatever digits it holds


def normalise_phone(text: str | None, region: str = DEFAULT_REGION) -> str | None:
    """'040 123 4567', '00358 40 1234567', '+46 70 123 45 67' in E.164 ('+358401234567'), else None."""
    if not text or len(text) > MAX_LENGTH:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
