"""The gateway's signature over what it tells Rasa's REST channel."""

from __future__ import annotations

import pytest

from privacy.gateway_signature import MAX_AGE_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER, canonical, sign, verify

SECRET = "s3cret"
NOW = 1_800_000_000.0
SENDER, MESSAGE = "conv-12345678", "hej"
METADATA = {"channel": "kiosk", "point": "example-point", "language": "sv"}


def test_a_fresh_signature_verifies():
    headers = sign(SECRET, SENDER, MESSAGE, METADATA, now=NOW)
    assert set(headers) == {SIGNATURE_HEADER, TIMESTAMP_HEADER}
    assert verify(SECRET, SENDER, MESSAGE, METADATA, headers, now=NOW + MAX_AGE_SECONDS)


def test_key_order_does_not_matter():
    headers = sign(SECRET, SENDER, MESSAGE, METADATA, now=NOW)
    assert verify(SECRET, SENDER, MESSAGE, dict(reversed(list(METADATA.items()))), headers, now=NOW)


@pytest.mark.parametrize(
    "change",
    [
        {"secret": "other"},
        {"secret": None},
        {"secret": ""},
        {"sender": "conv-87654321"},
        {"message": "hej då"},
        {"metadata": {**METADATA, "channel": "web"}},
        {"metadata": {**METADATA, "extra": 1}},
        {"now": NOW + MAX_AGE_SECONDS + 1},  # replayed later
        {"now": NOW - MAX_AGE_SECONDS - 1},  # from the future
    ],
)
def test_anything_changed_fails(change):
    headers = sign(SECRET, SENDER, MESSAGE, METADATA, now=NOW)
    args = {"secret": SECRET, "sender": SENDER, "message": MESSAGE, "metadata": METADATA, "now": NOW, **change}
    assert not verify(args["secret"], args["sender"], args["message"], args["metadata"], headers, now=args["now"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {TIMESTAMP_HEADER: str(int(NOW))},
        {SIGNATURE_HEADER: "00"},
        {TIMESTAMP_HEADER: "abc", SIGNATURE_HEADER: "00"},
        {TIMESTAMP_HEADER: "١٨٠٠٠٠٠٠٠٠", SIGNATURE_HEADER: "00"},
        {TIMESTAMP_HEADER: "9" * 400, SIGNATURE_HEADER: "00"},
        {TIMESTAMP_HEADER: str(int(NOW)), SIGNATURE_HEADER: "ä" * 64},
    ],
)
def test_malformed_headers_fail_quietly(headers):
    assert not verify(SECRET, SENDER, MESSAGE, METADATA, headers, now=NOW)


def test_odd_text_is_signed_too():
    # A lone surrogate or non-JSON metadata must not break signing or checking.
    headers = sign(SECRET, SENDER, "\ud800", {"x": "\udfff"}, now=NOW)
    assert verify(SECRET, SENDER, "\ud800", {"x": "\udfff"}, headers, now=NOW)
    assert not verify(SECRET, SENDER, MESSAGE, {"x": object()}, headers, now=NOW)


def test_canonical_form_is_stable_ascii_json():
    assert canonical("s", "m", {"b": 1, "a": "ä"}, "7") == (
        b'{"message":"m","metadata":{"a":"\\u00e4","b":1},"sender":"s","timestamp":"7"}'
    )
