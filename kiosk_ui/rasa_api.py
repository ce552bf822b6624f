"""Pausing and resuming the assistant in one conversation through Rasa's HTTP API (the advisor's takeover)."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

import httpx


class ConversationControlError(RuntimeError):
    """Rasa could not be told; `code` names why (a text key): no_token, rasa_unreachable, rasa_refused."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class ConversationControl(Protocol):
    """Stops and restarts the assistant's replies in one conversation."""

    async def pause(self, conversation_id: str) -> None: ...

    async def resume(self, conversation_id: str) -> None: ...


class RasaConversationControl:
    """Appends Rasa's `pause` and `resume` events to a conversation's tracker (needs `--enable-api` and the token)."""

    def __init__(self, client: httpx.AsyncClient, rasa_url: str, token: str, timeout: float = 5.0):
        self.client = client
        self.base = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    async def _append(self, conversation_id: str, event: str) -> None:
        url = f"{self.base}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        try:
            response = await self.client.post(
                url, params={"token": self.token, "include_events": "NONE"}, json={"event": event}, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise ConversationControlError("rasa_unreachable", type(exc).__name__) from None
        if response.status_code >= 300:
            # 401/403: a wrong token; the message never repeats the token itself.
            raise ConversationControlError("rasa_refused", f"HTTP {response.status_code}")

    async def pause(self, conversation_id: str) -> None:
        """The assistant stays silent in this conversation; the customer's messages are still logged."""
        await self._append(conversation_id, "pause")

    async def resume(self, conversation_id: str) -> None:
        """The assistant answers again."""
        await self._append(conversation_id, "resume")


class OfflineConversationControl:
    """Used when no RASA_TOKEN is set: a takeover cannot silence the assistant, so it is refused outright."""

    async def pause(self, conversation_id: str) -> None:
        raise ConversationControlError("no_token")

    async def resume(self, conversation_id: str) -> None:
        raise ConversationControlError("no_token")
