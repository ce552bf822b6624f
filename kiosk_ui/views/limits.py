"""The public API's answer to a client over its rate limit."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from kiosk_ui.ratelimit import RateLimited

# For `responses=` of a rate-limited route, so /docs lists the 429.
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many messages; the Retry-After header says how many seconds to wait"}
}


def too_many(exc: RateLimited) -> JSONResponse:
    """429 with Retry-After."""
    return JSONResponse({"detail": "rate limited"}, status_code=429, headers={"Retry-After": str(exc.retry_after)})
