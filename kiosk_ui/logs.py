"""Secrets never reach the access log: Rasa can send the model server's token only in the query string."""

from __future__ import annotations

import logging
import re

TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s]*")


class HideQueryTokens(logging.Filter):
    """Replaces `token=…` in uvicorn's access log lines (the request path is the record's third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(TOKEN_IN_QUERY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def hide_query_tokens() -> None:
    """Install the filter on uvicorn's access logger once (create_app may run more than once in tests)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideQueryTokens) for f in logger.filters):
        logger.addFilter(HideQueryTokens())
