"""The running stack's doors: the action server's secret, Rasa's token and the REST channel's input rules."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from privacy.gateway_signature import MAX_AGE_SECONDS, sign
from tests.e2e.test_conversations import text


def tracker_metadata(stack, sender: str) -> dict:
    """The metadata Rasa stored with the conversation's last user message."""
    response = httpx.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30)
    response.raise_for_status()
    users = [event for event in response.json()["events"] if event["event"] == "user"]
    # Rasa adds its own model_id and assistant_id.
    return {key: value for key, value in users[-1]["metadata"].items() if key not in ("model_id", "assistant_id")}


def post(stack, body, headers=None, **kwargs) -> httpx.Response:
    return httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=30, json=body, headers=headers, **kwargs)


def test_a_forged_action_call_is_401(stack):
    call = {"next_action": "action_handoff", "tracker": {"sender_id": "x", "events": []}, "domain": {}}
    response = httpx.post(f"{stack.action_url}/webhook", json=call, timeout=30)
    assert response.status_code == 401
    wrong = httpx.post(f"{stack.action_url}/webhook", json=call, headers={"Authorization": "Bearer x"}, timeout=30)
    assert wrong.status_code == 401


def test_rasa_calls_the_action_server_with_the_secret(stack, sender):
    # An empty answer would mean the custom actions failed (401 from the action server).
    replies = stack.say(sender, "Mihin aikaan asiointipiste on auki?")
    assert text(replies)


def test_rasas_api_needs_its_token(stack):
    assert httpx.get(f"{stack.rasa_url}/status", timeout=10).status_code == 401
    assert httpx.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=10).status_code == 200


def test_no_secret_is_on_a_command_line(stack):
    for process in stack.processes.values():
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        for secret in (stack.token, stack.action_token, stack.gateway_secret):
            assert secret not in command_line


def test_unsigned_kiosk_claim_is_answered_as_web_at_the_default_point(stack, sender):
    replies = stack.say(sender, "Hei", signed=False, point="other-point", language="sv")
    assert replies
    assert tracker_metadata(stack, sender) == {"channel": "web", "point": "example-point"}


def test_signed_kiosk_message_is_the_kiosks(stack, sender):
    stack.say(sender, "Hei", language="sv")
    assert tracker_metadata(stack, sender) == {"channel": "kiosk", "point": "example-point", "language": "sv"}


def test_replayed_signature_is_not_believed(stack, sender):
    metadata = {"channel": "kiosk", "point": "example-point"}
    old = sign(stack.gateway_secret, sender, "Hei", metadata, now=time.time() - MAX_AGE_SECONDS - 30)
    assert post(stack, {"sender": sender, "message": "Hei", "metadata": metadata}, old).status_code == 200
    assert tracker_metadata(stack, sender)["channel"] == "web"


def test_an_unsigned_client_without_metadata_is_still_answered(stack, sender):
    # ../shared/eval/run_cases.py and the benches post straight to Rasa like this.
    response = post(stack, {"sender": sender, "message": "Hei"})
    assert response.status_code == 200 and response.json()


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        ('{"sender": "conv-12345678", "message": "hei"}', "text/plain", 415),
        ("sender=conv-12345678&message=hei", "application/x-www-form-urlencoded", 415),
        ('{"sender": "conv-12345678", "message": 5}', "application/json", 400),
        ('{"sender": "conv-12345678", "message": ["hei"]}', "application/json", 400),
        ('{"sender": "conv-12345678", "message": "hei", "metadata": "kiosk"}', "application/json", 400),
        ('{"sender": "conv-12345678", "message": "hei \\ud800"}', "application/json", 200),
        ("{broken", "application/json", 400),
    ],
)
def test_the_rest_channel_refuses_what_the_gateway_refuses(stack, content, content_type, status):
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        content=content.encode(),
        headers={"Content-Type": content_type},
        timeout=30,
    )
    assert response.status_code == status


def test_a_220000_character_message_is_refused_and_others_go_on(stack, sender):
    body = json.dumps({"sender": sender, "message": "a" * 220_000})
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert stack.say(sender, "Hei")
