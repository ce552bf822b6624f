"""Rasa input channels: the REST channel with personal data removed at the door."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from actions import services
from privacy.redact import phone_numbers, redact, redact_value


class RedactingRestInput(RestInput):
    """Rasa's REST channel, but identity codes and phone numbers never get past it.

    Redacting here, before NLU, the tracker store, the action server and the logs see the
    message, is the one place that covers them all. The kinds removed travel on in the
    message metadata (`redacted`), so the assistant can tell the customer it needs no such data.
    A phone number goes to the contact vault, where only a phone booking will pick it up.
    """

    @classmethod
    def name(cls) -> str:
        """Serve the usual /webhooks/rest/webhook address."""
        return "rest"

    def _extract_message(self, req: Request) -> str | None:
        return redact(super()._extract_message(req)).text

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """Client metadata, redacted, plus the kinds of personal data removed from the text."""
        metadata = redact_value(dict(super().get_metadata(request) or {}))
        metadata.pop("redacted", None)  # only this channel may say what it removed
        message = request.json.get("message")
        kinds = redact(message).kinds
        if kinds:
            metadata["redacted"] = list(kinds)
        if "phone" in kinds:
            self._keep_phone(request.json.get("sender") or "default", phone_numbers(message)[-1])
        return metadata or None

    @staticmethod
    def _keep_phone(sender: str, phone: str) -> None:
        # Rasa asks for the metadata once per message, so this is the one point to keep it.
        services.contact_vault().put(str(sender), phone)
