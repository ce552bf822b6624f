"""The model server's token never appears in the access log."""

import logging

from kiosk_ui.logs import HideQueryTokens


def test_a_token_in_the_query_is_hidden_and_the_rest_kept():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/model-server/active?token=s3cret&x=1", "1.1", 304),
        None,
    )
    assert HideQueryTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /model-server/active?token=***&x=1 HTTP/1.1" 304'
