"""The web gateway's signature on what it tells Rasa's REST channel (sender, message, metadata).

The channel believes `channel`, `point` and `language` only from the gateway, which proves itself with
an HMAC (GATEWAY_SECRET) over a canonical form of the request and a timestamp; a signature older than
MAX_AGE_SECONDS is refused, so a captured request cannot be replayed later. Both environments import it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

SIGNATURE_HEADER = "X-Gateway-Signature"
TIMESTAMP_HEADER = "X-Gateway-Timestamp"
# The gateway and Rasa share a host or an NTP-synchronised network: a minute covers clock skew and a slow
# queue, and is all a replay could get.
MAX_AGE_SECONDS = 60
# A timestamp is a whole number of seconds; anything longer is not one.
_MAX_TIMESTAMP_CHARS = 16


def canonical(sender: str, message: str, metadata: Mapping[str, Any], timestamp: str) -> bytes:
    """The signed bytes: sorted-key ASCII JSON, so both sides make the same bytes from the same values."""
    document = {"sender": sender, "message": message, "metadata": dict(metadata), "timestamp": timestamp}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _mac(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def sign(
    secret: str, sender: str, message: str, metadata: Mapping[str, Any], now: float | None = None
) -> dict[str, str]:
    """The headers that prove the gateway sent this sender, message and metadata."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: _mac(secret, canonical(sender, message, metadata, timestamp)),
    }


def verify(
    secret: str | None,
    sender: str,
    message: str,
    metadata: Mapping[str, Any],
    headers: Mapping[str, str],
    now: float | None = None,
) -> bool:
    """True when the headers carry a fresh signature of exactly this sender, message and metadata."""
    if not secret:
        return False
    timestamp, signature = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
    if not timestamp or not signature or len(timestamp) > _MAX_TIMESTAMP_CHARS:
        return False
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    try:
        expected = _mac(secret, canonical(sender, message, metadata, timestamp))
    except (TypeError, ValueError):  # metadata that is not JSON cannot have been signed
        return False
    # Constant time: how much of a guess matched must not show in the answer's timing.
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))
