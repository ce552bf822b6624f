"""Rasa input channels: the REST channel with the gateway's input rules and personal data removed at the door."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
from asyncio import CancelledError
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from actions import services
from privacy.gateway_signature import verify
from privacy.redact import phone_numbers, redact, redact_value
from privacy.text_input import (
    CONVERSATION_ID_RE,
    MAX_MESSAGE_CHARS,
    MAX_RAW_MESSAGE_CHARS,
    MAX_REQUEST_BYTES,
    POINT_ID_RE,
    clean_text,
    clean_value,
)

log = logging.getLogger(__name__)

SECRET_ENV = "GATEWAY_SECRET"
# Metadata only the gateway may set: with a valid signature it stays, otherwise the message is the web's.
# `language` is the customer's explicit choice; `page_language` the language the page shows (a prior).
TRUSTED_KEYS = ("channel", "point", "language", "page_language")
CHANNELS = ("kiosk", "web")
LANGUAGES = ("fi", "sv", "en")
# The forms that ask for a phone number (bot/domain/booking.yml); only while one is open is a number kept.
PHONE_FORMS = frozenset({"booking_form"})


class InputRefused(Exception):
    """The request breaks the gateway's input rules; `status` and a machine-readable `reason`."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class ChatInput:
    """One message as the rules let it in: cleaned text, checked sender, metadata as sent."""

    sender: str
    raw_message: str
    message: str
    metadata: dict[str, Any]


def read_input(content_type: str | None, body: bytes) -> ChatInput:
    """The gateway's rules (privacy.text_input) applied to one REST request; InputRefused when broken."""
    if len(body) > MAX_REQUEST_BYTES:
        raise InputRefused(413, "body_too_large")
    # A JSON body only: a cross-site form can post text/plain or form bodies without a preflight.
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise InputRefused(415, "json_only")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputRefused(400, "invalid_json") from exc
    if not isinstance(data, dict):
        raise InputRefused(400, "body_not_an_object")
    sender, raw, metadata = data.get("sender"), data.get("message"), data.get("metadata")
    if not isinstance(sender, str) or not CONVERSATION_ID_RE.match(sender):
        raise InputRefused(400, "invalid_sender")
    if not isinstance(raw, str):
        raise InputRefused(400, "message_not_text")
    if len(raw) > MAX_RAW_MESSAGE_CHARS:
        raise InputRefused(400, "message_too_long")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise InputRefused(400, "metadata_not_an_object")
    message = clean_text(raw)
    if not message:
        raise InputRefused(400, "message_empty")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InputRefused(400, "message_too_long")
    return ChatInput(sender=sender, raw_message=raw, message=message, metadata=metadata)


def trusted_metadata(chat: ChatInput, headers: Mapping[str, str], secret: str | None, default_point: str) -> dict:
    """The client's metadata, cleaned and redacted; channel, point and the languages only if the gateway signed them.

    Unsigned (or badly signed, or too old) requests are the web's at the catalogue's default point: a
    client that says `channel: kiosk` must not skip the web's rules.
    """
    metadata = redact_value(clean_value(chat.metadata))
    metadata.pop("redacted", None)  # only this channel may say what it removed
    signed = verify(secret, chat.sender, chat.raw_message, chat.metadata, headers)
    if not signed:
        for key in TRUSTED_KEYS:
            metadata.pop(key, None)
    if metadata.get("channel") not in CHANNELS:
        metadata["channel"] = "web"
    if not isinstance(metadata.get("point"), str) or not POINT_ID_RE.match(metadata["point"]):
        metadata["point"] = default_point
    for key in ("language", "page_language"):
        if key in metadata and metadata[key] not in LANGUAGES:
            metadata.pop(key)
    return metadata


def default_point() -> str:
    """The catalogue's point, where an unsigned message is answered."""
    return str(services.catalogue().point["id"])


async def active_loop(request: Request, sender: str) -> str | None:
    """The conversation's active form before this message, from the agent's tracker store."""
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    tracker = await store.retrieve(sender)
    return tracker.active_loop_name if tracker is not None else None


class RedactingRestInput(RestInput):
    """Rasa's REST channel, behind the gateway's input rules, and identity codes and phone numbers never get past it.

    Rasa listens on loopback and only the web gateway talks to it, but the same rules hold here as a
    second line: JSON only, the message a string within the length limit and cleaned of control
    characters, the sender a conversation id, metadata an object; channel, point and language only from
    the gateway's signature (GATEWAY_SECRET). Redacting here, before NLU, the tracker store, the action
    server and the logs see the message, is the one place that covers them all. The kinds removed travel
    on in the metadata (`redacted`), so the assistant can tell the customer it needs no such data. A phone
    number typed while the booking form is open goes to the contact vault, where the booking picks it up.
    """

    @classmethod
    def name(cls) -> str:
        """Serve the usual /webhooks/rest/webhook address."""
        return "rest"

    def __init__(self, secret: str | None = None) -> None:
        self.secret = (secret if secret is not None else os.environ.get(SECRET_ENV)) or None

    async def message_for(self, request: Request) -> tuple[ChatInput, str, dict[str, Any]]:
        """The checked input, the redacted text and the metadata Rasa gets; InputRefused on bad input."""
        content_length = request.headers.get("Content-Length")
        if content_length and content_length.isdigit() and int(content_length) > MAX_REQUEST_BYTES:
            raise InputRefused(413, "body_too_large")
        chat = read_input(request.headers.get("Content-Type"), request.body or b"")
        metadata = trusted_metadata(chat, request.headers, self.secret, default_point())
        found = redact(chat.message)
        if found.kinds:
            metadata["redacted"] = list(found.kinds)
        if "phone" in found.kinds and await active_loop(request, chat.sender) in PHONE_FORMS:
            await asyncio.to_thread(self._keep_phone, chat.sender, phone_numbers(chat.message)[-1])
        return chat, found.text, metadata

    @staticmethod
    def _keep_phone(sender: str, phone: str) -> None:
        services.contact_vault().put(sender, phone)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """RestInput's two routes, with the webhook checking its input before Rasa does any work."""
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            try:
                chat, text, metadata = await self.message_for(request)
            except InputRefused as refused:
                return response.json({"error": refused.reason}, status=refused.status)
            # The input channel is always this one; a client's `input_channel` is not believed either.
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                # RestInput's streaming callback, typed looser than Sanic's stubs say (Rasa passes it the same way).
                return response.stream(
                    self.stream_response(on_new_message, text, chat.sender, self.name(), metadata),  # type: ignore[arg-type]
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, chat.sender, input_channel=self.name(), metadata=metadata)
                )
            except CancelledError:
                log.error("REST message timed out")
            except Exception:
                # The message stays out of the log; it is redacted, but the log needs no customer text.
                log.exception("REST message failed")
            return response.json(collector.messages)

        return webhook
