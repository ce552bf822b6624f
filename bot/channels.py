"""Rasa input channels: the REST channel with personal data removed at the door."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from privacy.redact import redact, redact_value


class RedactingRestInput(RestInput):
    """Rasa's REST channel, but identity codes and phone numbers never get past it.

    Redacting here, before NLU, the tracker store, the action server and the logs see the
    message, is the one place that covers them all. The kinds removed travel on in the
    message metadata (`redacted`), so the assistant can tell the customer it needs no such data.
    """

    @classmethod
    def name(cls) -> Text:
        """Serve the usual /webhooks/rest/webhook address."""
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        return redact(super()._extract_message(req)).text

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Client metadata, redacted, plus the kinds of personal data removed from the text."""
        metadata = redact_value(dict(super().get_metadata(request) or {}))
        metadata.pop("redacted", None)  # only this channel may say what it removed
        kinds = redact(request.json.get("message")).kinds
        if kinds:
            metadata["redacted"] = list(kinds)
        return metadata or None
