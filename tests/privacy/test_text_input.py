"""The input rules the gateway and Rasa's REST channel share."""

from __future__ import annotations

import re

import pytest

from privacy.text_input import (
    CONVERSATION_ID,
    MAX_RAW_MESSAGE_CHARS,
    POINT_ID,
    MessageTooLong,
    clean_message,
    clean_text,
    clean_value,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x00 Hei\x07\nmaailma\t\u202e!\x1b ", "Hei maailma !"),
        ("a\r\n\r\nb", "a b"),
        ("hei \ud800", "hei"),  # a lone surrogate cannot be written as UTF-8 anywhere later
        ("\udfffmoi\ud83d", "moi"),
        ("😀 ok", "😀 ok"),  # a real pair, as one character, stays
        ("👩\u200d💻", "👩\u200d💻"),  # zero-width joiners in emoji stay
        ("\u2066abc\u2069", "abc"),  # bidirectional isolates go
        ("  ", ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")


def test_clean_message_leaves_non_text_to_the_type_check():
    assert clean_message(5) == 5
    assert clean_message(None) is None


def test_clean_message_refuses_a_pasted_novel_before_cleaning():
    assert clean_message("a" * MAX_RAW_MESSAGE_CHARS) == "a" * MAX_RAW_MESSAGE_CHARS
    with pytest.raises(MessageTooLong):
        clean_message("a" * 220_000)
    assert issubclass(MessageTooLong, ValueError)  # pydantic turns it into a 422


def test_clean_value_cleans_every_string_in_metadata():
    value = {"note\x00": ["a\ud800", {"b": "c\n d"}], "n": 5, "ok": True}
    assert clean_value(value) == {"note": ["a", {"b": "c d"}], "n": 5, "ok": True}


@pytest.mark.parametrize(
    ("value", "ok"),
    [("conv-12345678", True), ("a" * 64, True), ("short", False), ("x" * 65, False), ("has space1", False)],
)
def test_conversation_id_rule(value, ok):
    assert bool(re.match(CONVERSATION_ID, value)) is ok


@pytest.mark.parametrize(("value", "ok"), [("example-point", True), ("Not A Point", False), ("-x", False)])
def test_point_id_rule(value, ok):
    assert bool(re.match(POINT_ID, value)) is ok
