"""The REST channel: the gateway's input rules as a second line, signed metadata, personal data removed."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace

import pytest

from actions import services
from bot.channels import InputRefused, RedactingRestInput
from privacy.gateway_signature import MAX_AGE_SECONDS, sign

SECRET = "gateway-test-secret"
SENDER = "conv-12345678"
JSON = "application/json"


class Trackers:
    """The agent's tracker store, answering one active loop for every conversation."""

    def __init__(self, loop: str | None = None):
        self.loop = loop

    async def retrieve(self, sender_id):
        return SimpleNamespace(active_loop_name=self.loop)


def request(body, *, content_type: str | None = JSON, headers: dict | None = None, active_loop=None, raw=None):
    """What the channel reads of a Sanic request: headers, body bytes and the app's agent."""
    data = raw if raw is not None else json.dumps(body).encode()
    all_headers = {"Content-Length": str(len(data)), **(headers or {})}
    if content_type:
        all_headers["Content-Type"] = content_type
    agent = SimpleNamespace(tracker_store=Trackers(active_loop))
    return SimpleNamespace(headers=all_headers, body=data, app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))


def signed(body: dict, secret: str = SECRET, now: float | None = None) -> dict:
    return sign(secret, body["sender"], body["message"], body.get("metadata") or {}, now=now)


def handle(channel: RedactingRestInput, req):
    """(text, metadata) Rasa gets, or the refusal as (status, reason)."""
    try:
        _, text, metadata = asyncio.run(channel.message_for(req))
    except InputRefused as refused:
        return refused.status, refused.reason
    return text, metadata


@pytest.fixture
def channel() -> RedactingRestInput:
    return RedactingRestInput(secret=SECRET)


@pytest.fixture
def default_point() -> str:
    return services.catalogue().point["id"]


def test_channel_keeps_the_rest_webhook_address():
    assert RedactingRestInput.name() == "rest"


def test_channel_reads_the_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_SECRET", "from-env")
    assert RedactingRestInput.from_credentials(None).secret == "from-env"
    monkeypatch.delenv("GATEWAY_SECRET")
    assert RedactingRestInput.from_credentials(None).secret is None


def test_message_and_metadata_are_redacted_and_the_kinds_reported(channel, default_point):
    body = {
        "sender": SENDER,
        "message": "hetu 131052-308T, puh 040 123 4567",
        "metadata": {"channel": "kiosk", "point": default_point, "note": "call 0401234567", "redacted": ["x"]},
    }
    text, metadata = handle(channel, request(body, headers=signed(body)))
    assert text == "hetu <ID_CODE>, puh <PHONE_NUMBER>"
    assert metadata == {
        "channel": "kiosk",
        "point": default_point,
        "note": "call <PHONE_NUMBER>",
        "redacted": ["id_code", "phone"],
    }


def test_clean_message_passes_unchanged(channel, default_point):
    body = {"sender": SENDER, "message": "Tarvitsen lomakkeen AT 1"}
    assert handle(channel, request(body)) == ("Tarvitsen lomakkeen AT 1", {"channel": "web", "point": default_point})


def test_control_characters_are_cleaned_as_the_gateway_does(channel):
    body = {"sender": SENDER, "message": "\x00 Hei\x07\nmaailma\t\u202e!\x1b "}
    assert handle(channel, request(body))[0] == "Hei maailma !"


def test_a_lone_surrogate_is_cleaned_not_a_server_error(channel):
    raw = b'{"sender": "conv-12345678", "message": "hei \\ud800", "metadata": {"note": "\\udfff x"}}'
    text, metadata = handle(channel, request(None, raw=raw))
    assert text == "hei"
    assert metadata["note"] == "x"


@pytest.mark.parametrize(
    ("content_type", "status"),
    [("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("multipart/form-data; b=x", 415), (None, 415)],
)
def test_only_json_bodies_are_taken(channel, content_type, status):
    # A cross-site form can post text/plain or a form body without asking the browser first.
    body = {"sender": SENDER, "message": "hei"}
    assert handle(channel, request(body, content_type=content_type)) == (status, "json_only")


def test_json_with_a_charset_is_json(channel):
    body = {"sender": SENDER, "message": "hei"}
    assert handle(channel, request(body, content_type="application/json; charset=utf-8"))[0] == "hei"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"sender": SENDER, "message": 5}, "message_not_text"),
        ({"sender": SENDER, "message": ["hei"]}, "message_not_text"),
        ({"sender": SENDER, "message": {"text": "hei"}}, "message_not_text"),
        ({"sender": SENDER}, "message_not_text"),
        ({"sender": SENDER, "message": "hei", "metadata": "kiosk"}, "metadata_not_an_object"),
        ({"sender": SENDER, "message": "hei", "metadata": ["kiosk"]}, "metadata_not_an_object"),
        ({"sender": 12345678, "message": "hei"}, "invalid_sender"),
        ({"sender": "short", "message": "hei"}, "invalid_sender"),
        ({"sender": "has space 123", "message": "hei"}, "invalid_sender"),
        ({"message": "hei"}, "invalid_sender"),
        ({"sender": SENDER, "message": " \x00\n\t "}, "message_empty"),
        ({"sender": SENDER, "message": "x" * 501}, "message_too_long"),
        (["hei"], "body_not_an_object"),
        ("hei", "body_not_an_object"),
    ],
)
def test_odd_shapes_are_400(channel, body, reason):
    assert handle(channel, request(body)) == (400, reason)


def test_broken_json_is_400(channel):
    assert handle(channel, request(None, raw=b"{not json")) == (400, "invalid_json")
    assert handle(channel, request(None, raw=b"\xff\xfe")) == (400, "invalid_json")


def test_500_characters_is_the_limit_after_cleaning(channel):
    assert handle(channel, request({"sender": SENDER, "message": "a" * 500}))[0] == "a" * 500
    assert handle(channel, request({"sender": SENDER, "message": "\x01" * 20 + "a" * 500}))[0] == "a" * 500


def test_a_220000_character_message_is_refused_before_any_work(channel, monkeypatch):
    # Refused on the declared size alone: the body is not even parsed.
    monkeypatch.setattr("bot.channels.json.loads", lambda *_: pytest.fail("parsed an oversized body"))
    body = {"sender": SENDER, "message": "a" * 220_000}
    assert handle(channel, request(body)) == (413, "body_too_large")
    without_length = request(body)
    del without_length.headers["Content-Length"]
    assert handle(channel, without_length) == (413, "body_too_large")


def test_forged_channel_point_and_languages_without_a_signature_are_the_webs(channel, default_point):
    metadata = {"channel": "kiosk", "point": "other", "language": "sv", "page_language": "en"}
    body = {"sender": SENDER, "message": "hei", "metadata": metadata}
    assert handle(channel, request(body))[1] == {"channel": "web", "point": default_point}


def test_a_valid_signature_is_believed(channel):
    body = {
        "sender": SENDER,
        "message": "hej",
        "metadata": {"channel": "kiosk", "point": "other-point", "language": "sv", "page_language": "fi"},
    }
    assert handle(channel, request(body, headers=signed(body)))[1] == {
        "channel": "kiosk",
        "point": "other-point",
        "language": "sv",
        "page_language": "fi",
    }


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: signed(body, secret="guessed"),
        lambda body: signed(body, now=time.time() - MAX_AGE_SECONDS - 5),  # a replay of an old request
        lambda body: signed({**body, "sender": "conv-87654321"}),  # another conversation's signature
        lambda body: signed({**body, "metadata": {"channel": "web", "point": "other-point"}}),
        lambda body: signed({**body, "message": "something else"}),
        lambda body: {},
    ],
)
def test_a_wrong_old_or_borrowed_signature_is_not_believed(channel, default_point, forge):
    body = {"sender": SENDER, "message": "hej", "metadata": {"channel": "kiosk", "point": "other-point"}}
    assert handle(channel, request(body, headers=forge(body)))[1] == {"channel": "web", "point": default_point}


def test_without_a_secret_nothing_is_believed(default_point):
    body = {"sender": SENDER, "message": "hej", "metadata": {"channel": "kiosk"}}
    unkeyed = RedactingRestInput(secret="")
    assert unkeyed.secret is None
    assert handle(unkeyed, request(body, headers=signed(body)))[1] == {"channel": "web", "point": default_point}


def test_signed_but_invalid_values_fall_back(channel, default_point):
    body = {
        "sender": SENDER,
        "message": "hej",
        "metadata": {"channel": "sms", "point": "Not A Point", "language": "de", "page_language": "se"},
    }
    assert handle(channel, request(body, headers=signed(body)))[1] == {"channel": "web", "point": default_point}


def test_the_vault_keeps_a_number_only_while_the_booking_form_is_open(channel):
    vault = services.contact_vault()
    body = {"sender": SENDER, "message": "soita 040 123 4567"}
    for loop in (None, "manage_booking_form"):
        handle(channel, request(body, active_loop=loop))
        assert vault.peek(SENDER) is None
    handle(channel, request(body, active_loop="booking_form"))
    assert vault.peek(SENDER) == "040 123 4567"


def test_no_agent_yet_keeps_no_number(channel):
    req = request({"sender": SENDER, "message": "soita 040 123 4567"})
    req.app.ctx = SimpleNamespace()
    assert handle(channel, req)[1]["redacted"] == ["phone"]
    assert services.contact_vault().peek(SENDER) is None
