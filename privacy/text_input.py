"""The input rules the web gateway and Rasa's REST channel share: lengths, ids and text cleaning.

Both environments import it (no pydantic, no Rasa), so the second line of defence in front of Rasa
enforces exactly what the gateway does.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

MAX_MESSAGE_CHARS = 500
# A message longer than this before cleaning is refused without looking at its characters.
MAX_RAW_MESSAGE_CHARS = MAX_MESSAGE_CHARS * 4
# One chat request: the raw message (up to 12 bytes a character as JSON escapes of a surrogate pair) and
# small metadata fit easily; anything bigger is refused before it is parsed.
MAX_REQUEST_BYTES = 32 * 1024
CONVERSATION_ID = r"^[A-Za-z0-9_-]{8,64}$"
POINT_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"  # the same rule as the actions' handoff
CONVERSATION_ID_RE = re.compile(CONVERSATION_ID)
POINT_ID_RE = re.compile(POINT_ID)
# Bidirectional overrides and isolates (category Cf) can make a message read differently on screen
# than it is stored; the remaining Cf characters (zero-width joiners in emoji, soft hyphens) stay.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_BREAKS = "\t\n\r\v\f"
# Control characters, and lone surrogates: they cannot be encoded as UTF-8, so every later write fails.
_DROPPED_CATEGORIES = {"Cc", "Cs"}


class MessageTooLong(ValueError):
    """The message is longer than any cleaning could make acceptable."""


def clean_text(value: str) -> str:
    """Drop control characters and lone surrogates, turn line breaks and tabs into spaces, trim."""
    text = "".join(
        " " if ch in _BREAKS else ch
        for ch in value
        if ch in _BREAKS or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    return _SPACES.sub(" ", _BIDI_CONTROLS.sub("", text)).strip()


def clean_message(value: Any) -> Any:
    """Drop control characters, turn line breaks and tabs into spaces, trim; non-text passes to the type check."""
    if not isinstance(value, str):
        return value
    # A pasted novel is refused before any per-character work is spent on it.
    if len(value) > MAX_RAW_MESSAGE_CHARS:
        raise MessageTooLong(f"message longer than {MAX_MESSAGE_CHARS} characters")
    return clean_text(value)


def clean_value(value: Any) -> Any:
    """Every string inside a JSON value cleaned like a message (metadata from a client)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    return value
