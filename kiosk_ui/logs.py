"""What never reaches the web app's logs: secrets in query strings, identity codes and phone numbers."""

from __future__ import annotations

import logging
import re

from privacy import logging_filter

TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s]*")


class HideQueryTokens(logging.Filter):
    """Replaces `token=…` in uvicorn's access log lines (the request path is the record's third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(TOKEN_IN_QUERY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def hide_query_tokens() -> None:
    """Install the log filters once (create_app may run more than once in tests).

    Rasa can send the model server's token only in the query string, and a kiosk's enrolment link
    carries its device secret there, so uvicorn's access log hides `token=`. Every record of every
    logger is redacted too (privacy.logging_filter): a path, an error or a debug line may carry what a
    customer typed.
    """
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideQueryTokens) for f in logger.filters):
        logger.addFilter(HideQueryTokens())
    logging_filter.install()
