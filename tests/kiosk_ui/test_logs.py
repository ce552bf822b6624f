"""The model server's token and customers' personal data never appear in the web app's logs."""

import logging
import sys

import pytest

from kiosk_ui.logs import HideQueryTokens, hide_query_tokens
from privacy.logging_filter import RedactingFilter, redact_record


def access_record(path: str, client: str = "127.0.0.1:5000") -> logging.LogRecord:
    """A record as uvicorn's access logger makes it."""
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', (client, "GET", path, "1.1", 304), None
    )


def test_a_token_in_the_query_is_hidden_and_the_rest_kept():
    record = access_record("/model-server/active?token=s3cret&x=1")
    assert HideQueryTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /model-server/active?token=***&x=1 HTTP/1.1" 304'


@pytest.mark.parametrize("client", ["127.0.0.1:5000", "192.168.100.200:40123", "[::1]:51234", "10.0.12.34:8000"])
def test_an_access_line_keeps_its_shape_and_addresses(client):
    record = access_record("/api/live/x?q=040%20123&phone=0401234567", client)
    assert RedactingFilter().filter(record)
    assert record.args[0] == client and record.args[4] == 304  # still a tuple uvicorn's formatter can read
    assert record.getMessage() == f'{client} - "GET /api/live/x?q=040%20123&phone=<PHONE_NUMBER> HTTP/1.1" 304'


def test_message_arguments_and_traceback_are_redacted():
    try:
        raise ValueError("bad code 131052-308T")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "kiosk_ui.x",
        logging.ERROR,
        __file__,
        1,
        "from %s: %s (%d) %r",
        ("hetu131052-308", "040.123.4567", 7, None),
        exc_info,
    )
    redact_record(record)
    assert record.getMessage() == "from hetu<ID_CODE>: <PHONE_NUMBER> (7) None"
    assert "131052" not in record.exc_text and "bad code <ID_CODE>" in record.exc_text


def test_mappings_and_objects_in_arguments_are_redacted():
    class Event:
        def __str__(self) -> str:
            return "user said +358 40 123 4567"

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%(event)s %(data)s", (), None)
    record.args = {"event": Event(), "data": {"text": ["131052 - 308T"]}}
    redact_record(record)
    assert record.getMessage() == "user said <PHONE_NUMBER> {'text': ['<ID_CODE>']}"


def test_installed_redaction_covers_every_logger_and_handler(caplog):
    hide_query_tokens()
    hide_query_tokens()  # twice is once
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library.deep.down").info("customer typed 0401234567 and %s", "131052-308T")
    assert caplog.records[-1].getMessage() == "customer typed <PHONE_NUMBER> and <ID_CODE>"
    assert "0401234567" not in caplog.text and "131052-308T" not in caplog.text
