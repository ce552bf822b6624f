"""Identity codes and phone numbers never reach a log: every record is redacted as it is made."""

from __future__ import annotations

import logging
import numbers
from typing import Any

from privacy.redact import redact, redact_value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict | list):
        return redact_value(value)
    if value is None or isinstance(value, numbers.Number):
        # Kept as they are, so "%d" and "%.1f" still format; a number is not what a customer typed.
        return value
    # Any other object (a tracker, an event, an exception) is logged through str(): its text is
    # what may carry the data, so it is replaced by that text, redacted, only when something was found.
    text = str(value)
    cleaned = redact(text).text
    return value if cleaned == text else cleaned


def redact_record(record: logging.LogRecord) -> None:
    """Redact the record's message, its arguments and its traceback in place."""
    record.msg = _clean(record.msg)
    if isinstance(record.args, dict):
        record.args = {key: _clean(value) for key, value in record.args.items()}
    elif isinstance(record.args, tuple):
        # A tuple stays a tuple: uvicorn's access formatter reads its arguments by position.
        record.args = tuple(_clean(value) for value in record.args)
    if record.exc_info and not record.exc_text:
        # Handlers reuse exc_text, so the traceback is formatted (and redacted) once, here.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info)).text
    elif record.exc_text:
        record.exc_text = redact(record.exc_text).text
    if record.stack_info:
        record.stack_info = redact(record.stack_info).text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record it sees (for a handler, or dictConfig's `filters`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed = False


def install() -> None:
    """Redact every log record of this process from now on; calling it again does nothing.

    A filter on a logger misses records of its child loggers, and a filter on a handler misses
    handlers that Rasa, Sanic or uvicorn add later, so the record factory, which makes every record
    of every logger, is where the redaction goes.
    """
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    _installed = True
