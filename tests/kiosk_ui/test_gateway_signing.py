"""The gateway signs the metadata it sends to Rasa (GATEWAY_SECRET), and cleans as the REST channel does."""

from __future__ import annotations

import asyncio
import json

import httpx
from pydantic import SecretStr

from kiosk_ui.gateway import ChatRequest, ask_rasa
from privacy.gateway_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.kiosk_ui.conftest import chat_body


def send(request: ChatRequest, secret) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handle(sent: httpx.Request) -> httpx.Response:
        seen.append(sent)
        return httpx.Response(200, json=[{"text": "Hei!"}])

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as client:
            await ask_rasa(client, "http://rasa.test:5005", request, secret=secret)

    asyncio.run(go())
    return seen[0]


def test_metadata_is_signed_with_the_gateway_secret():
    request = ChatRequest(**chat_body(message="hej", language="sv", ui_language="en"))
    sent = send(request, SecretStr("shared"))
    body = json.loads(sent.content)
    assert body["metadata"]["page_language"] == "en"  # signed with the rest: the channel believes it
    assert verify("shared", body["sender"], body["message"], body["metadata"], sent.headers)
    assert not verify("other", body["sender"], body["message"], body["metadata"], sent.headers)


def test_a_plain_string_secret_works_too():
    sent = send(ChatRequest(**chat_body()), "shared")
    body = json.loads(sent.content)
    assert verify("shared", body["sender"], body["message"], body["metadata"], sent.headers)


def test_without_a_secret_nothing_is_signed():
    sent = send(ChatRequest(**chat_body()), None)
    assert SIGNATURE_HEADER not in sent.headers and TIMESTAMP_HEADER not in sent.headers


def test_a_lone_surrogate_is_cleaned_or_refused_never_a_server_error(client, rasa):
    response = client.post(
        "/api/chat",
        content=b'{"conversation_id": "conv-12345678", "message": "hei \\ud800", "channel": "web",'
        b' "point": "example-point"}',
        headers={"Content-Type": "application/json"},
    )
    # The app may refuse the body outright (422); what reaches Rasa never holds the surrogate.
    assert response.status_code in (200, 422), response.text
    assert [sent["body"]["message"] for sent in rasa.requests] in ([], ["hei"])
