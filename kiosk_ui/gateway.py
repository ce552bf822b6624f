"""The chat gateway's requests and replies, input cleaning, and the call to Rasa's REST channel."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, BeforeValidator, Field, SecretStr

from privacy.gateway_signature import sign
from privacy.redact import redact

# The rules live in privacy.text_input so Rasa's REST channel enforces the same ones; these names stay
# importable from here for the routers.
from privacy.text_input import CONVERSATION_ID, MAX_MESSAGE_CHARS, POINT_ID, clean_message

log = logging.getLogger(__name__)

Language = Literal["fi", "sv", "en"]
Channel = Literal["kiosk", "web"]


Message = Annotated[
    str,
    BeforeValidator(clean_message),
    Field(
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        description="the customer's text or a button payload; control characters are removed",
    ),
]


class ChatRequest(BaseModel):
    """One customer message from the kiosk or the website widget."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "conversation_id": "k3XbQ9vT2mLp8wRz4nYc",
                    "message": "/life_moving_within_finland",
                    "channel": "kiosk",
                    "point": "example-point",
                    "language": "sv",
                    "ui_language": "sv",
                },
                {
                    "conversation_id": "w7PqR2sT9uVx3yZa1bCd",
                    "message": "Tarvitsen lomakkeen asumistukea varten",
                    "channel": "web",
                    "point": "example-point",
                    "language": None,
                    "ui_language": "fi",
                },
            ]
        }
    }

    conversation_id: str = Field(pattern=CONVERSATION_ID, description="made by the page, new for every customer")
    message: Message
    channel: Channel
    point: str = Field(pattern=POINT_ID, description="the service point's id (catalogue point.yml)")
    language: Language | None = Field(
        None, description="only when the customer chose a language (a language button or a tile in it)"
    )
    ui_language: Language | None = Field(
        None,
        description="the language the screen shows (the kiosk's screen, the widget's data-lang): the app's own "
        "messages use it, and Rasa gets it as `page_language`, a prior for a new conversation, never a choice",
    )


class ChatReply(BaseModel):
    """Rasa's reply objects as they came, and whether the assistant answered at all."""

    messages: list[dict[str, Any]]
    degraded: bool = Field(description="true when Rasa or the action server did not answer")
    echo: str = Field(
        description="the customer's message as the assistant saw it: identity codes and phone "
        "numbers replaced, for showing back on screen"
    )
    taken_over: bool = Field(
        False,
        description="true while a service advisor chats with the customer: the "
        "message went to the advisor and the assistant stays silent",
    )


class HandoffRequest(BaseModel):
    """Call the advisor without the assistant (it is down, or the customer wants a paper form)."""

    conversation_id: str = Field(pattern=CONVERSATION_ID)
    point: str = Field(pattern=POINT_ID)
    language: Language = "fi"
    channel: Channel = "kiosk"
    reason: Literal["assistant_unavailable", "paper_form"] = "assistant_unavailable"
    form: str | None = Field(None, pattern=r"^[A-Za-z0-9 ]{1,16}$", description="form code, for a paper copy")


class HandoffReply(BaseModel):
    """The ticket number the advisor will call."""

    ticket: str


class RasaUnavailable(Exception):
    """Rasa did not answer, answered with an error, or answered nothing (the action server is down)."""


def echo_of(message: str) -> str:
    """The message with identity codes and phone numbers replaced, as the REST channel does."""
    return redact(message).text


async def ask_rasa(
    client: httpx.AsyncClient,
    rasa_url: str,
    request: ChatRequest,
    allow_empty: bool = False,
    *,
    secret: SecretStr | str | None = None,
) -> list[dict]:
    """Send one message to Rasa's REST channel with the point's metadata; its reply objects as-is.

    `allow_empty` is for a conversation Rasa has paused (an advisor took it over): it answers [] then.
    `secret` (GATEWAY_SECRET) signs the metadata; without it Rasa answers as on the web at the default point
    (and believes neither `language` nor `page_language`).
    """
    metadata: dict[str, Any] = {"channel": request.channel, "point": request.point}
    if request.language:
        metadata["language"] = request.language
    if request.ui_language:
        # What the page shows, as a prior for the first message; `language` alone is the customer's choice.
        metadata["page_language"] = request.ui_language
    body = {"sender": request.conversation_id, "message": request.message, "metadata": metadata}
    key = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    headers = sign(key, request.conversation_id, request.message, metadata) if key else {}
    try:
        response = await client.post(f"{rasa_url.rstrip('/')}/webhooks/rest/webhook", json=body, headers=headers)
        response.raise_for_status()
        messages = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        # Never log the message: it may hold personal data the channel has not removed yet.
        log.warning("Rasa did not answer: %s", type(exc).__name__)
        raise RasaUnavailable(type(exc).__name__) from exc
    # Every turn ends in at least one reply; an empty list means a custom action failed (the action
    # server is down), which Rasa does not report as an error.
    if (
        not isinstance(messages, list)
        or (not messages and not allow_empty)
        or not all(isinstance(m, dict) for m in messages)
    ):
        log.warning("Rasa answered with no usable messages")
        raise RasaUnavailable("empty reply")
    return messages
