"""The chat core (kiosk_ui/static/chat-core.js) in node: its mask equals the server's redaction, and
its other DOM-free parts (ChatCore.pure) do what the kiosk and the widget rely on."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from privacy.redact import client_patterns, redact
from tests.privacy.test_redact import FORMATS

CORE = Path(__file__).resolve().parents[3] / "kiosk_ui" / "static" / "chat-core.js"
NODE = shutil.which("node") or "/usr/bin/node"

pytestmark = pytest.mark.skipif(not Path(NODE).exists(), reason="node is not installed")


def run_core(program: str, data) -> object:
    """Run `program` in node with `core` (the ChatCore factory), `pure` and `data` defined; it returns a value."""
    script = (
        f"const core = require({json.dumps(str(CORE))}); const pure = core.pure;"
        "const data = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        f"process.stdout.write(JSON.stringify((() => {{ {program} }})()));"
    )
    done = subprocess.run(
        [NODE, "-e", script], input=json.dumps(data), capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


MASK_CASES = [
    # identity codes: every century sign, valid and mistyped, upper and lower case
    "Hetuni on 131052-308T.",
    "131052+308T",
    "010594Y9032 ja 010594X9032",
    "120389W1234, 120389V1234 tai 120389U1234",
    "010101A123N",
    "010101b123n",
    "020304C987H ja 020304D987H",
    "311299E123X, 311299F123X",
    "131052 308T",
    "131052308T",
    "Koodi 131052-3080 väärällä tarkisteella",
    "131052-308T-lisää",
    "x131052-308T",
    "321052-308T ei ole päivämäärä",
    "1310523080",
    # phone numbers
    "Soita 040 1234567",
    "numero 040-123 4567 tai 0401234567",
    "+358 40 123 4567",
    "+358401234567 ja 00358 40 1234567",
    "(09) 310 1234",
    "+358 (0) 40 123 4567",
    "09 1234",
    "0800 12345678901234567",
    # not personal data
    "Lomake AT 1 ja AT 1r",
    "Vuonna 2024 maksoin 1 250,50 euroa",
    "Viitenumero K7QH-29XM",
    "Kela maksaa 12.11.2026 klo 9.00",
    "ordinary text with nothing in it",
    "",
]


# The server's table of formats too, alone and in a sentence: every row masks alike in both dialects.
TABLE_CASES = [text for param in FORMATS for text in (param.values[0], f"Moi, {param.values[0]}. Kiitos!")]


def test_the_clients_mask_equals_the_servers_redaction():
    assert len(MASK_CASES) >= 25
    masked = run_core(
        "return data.cases.map((text) => pure.mask(text, data.patterns));",
        {"cases": MASK_CASES, "patterns": client_patterns()},
    )
    expected = [redact(text).text for text in MASK_CASES]
    assert masked == expected
    assert "<ID_CODE>" in masked[0] and "<PHONE_NUMBER>" in masked[15]  # the table does mask something


def test_the_clients_mask_agrees_on_the_table_of_formats():
    masked = run_core(
        "return data.cases.map((text) => pure.mask(text, data.patterns));",
        {"cases": TABLE_CASES, "patterns": client_patterns()},
    )
    assert dict(zip(TABLE_CASES, masked, strict=True)) == {text: redact(text).text for text in TABLE_CASES}


def test_text_lookup_fills_placeholders_and_falls_back_to_the_key():
    texts = {"title": "Avustaja", "chat": {"queue_ahead": "{count} asiakasta ennen sinua. {count}!"}}
    got = run_core(
        "return [pure.lookup(data, 'title'), pure.lookup(data, 'chat.queue_ahead', {count: 3}),"
        " pure.lookup(data, 'chat.missing'), pure.lookup(data, 'chat')];",
        texts,
    )
    assert got == ["Avustaja", "3 asiakasta ennen sinua. 3!", "chat.missing", "chat"]


def test_rest_messages_become_items():
    situation = {"type": "life_situation", "code": "KE4.2", "title": "Muutto", "services": [], "forms": []}
    messages = [
        {"text": "Muutto: tee nämä asiat", "recipient_id": "x"},
        {"custom": situation},
        {"custom": {"type": "language", "language": "sv"}},
        {"text": "Valitse", "buttons": [{"title": "Kyllä", "payload": "/affirm"}]},
        {"custom": {"type": "handoff_unavailable", "reason": "closed"}},
    ]
    got = run_core(
        "const items = pure.itemsOf(data, 'down');"
        "return {items, replies: pure.repliesAt(items), lang: pure.languageOf(data, ['fi', 'sv', 'en'])};",
        messages,
    )
    # The life situation's text is left out before its checklist; the language and handoff_unavailable
    # payloads draw nothing, so the buttons stay the newest and are shown.
    assert got["items"] == [
        {"kind": "custom", "custom": situation},
        {"kind": "bot", "text": "Valitse", "buttons": [{"title": "Kyllä", "payload": "/affirm"}]},
    ]
    assert got["replies"] == 1
    assert got["lang"] == "sv"


def test_other_payloads_become_items_and_unknown_languages_are_ignored():
    messages = [
        {"text": "Ei yhteyttä", "custom": {"type": "unavailable"}},
        {"custom": {"type": "unavailable"}},
        {"custom": {"type": "advisor", "text": "Hei, olen Aino"}},
        {"custom": {"type": "feedback_request", "authority": "kela"}},
        {"custom": {"type": "handoff", "ticket": "A012", "reason": "customer_request", "live": True}},
        {"custom": {"type": "form", "code": "AT 1", "language": "de"}},
        {"text": "Kiitos"},
    ]
    got = run_core(
        "const items = pure.itemsOf(data, 'down');"
        "return {kinds: items.map((i) => i.kind), texts: items.map((i) => i.text || null),"
        " replies: pure.repliesAt(items), lang: pure.languageOf(data, ['fi', 'sv', 'en'])};",
        messages,
    )
    assert got["kinds"] == ["error", "error", "advisor", "feedback", "custom", "custom", "bot"]
    assert got["texts"] == ["Ei yhteyttä", "down", "Hei, olen Aino", None, None, None, "Kiitos"]
    assert got["replies"] == -1  # no buttons anywhere
    assert got["lang"] is None


def test_buttons_go_once_the_customer_spoke_after_them():
    items = [
        {"kind": "bot", "text": "Valitse", "buttons": [{"title": "A", "payload": "/a"}]},
        {"kind": "user", "text": "A"},
        {"kind": "bot", "text": "Selvä"},
    ]
    assert run_core("return [pure.repliesAt(data), pure.repliesAt(data.slice(0, 1))];", items) == [-1, 0]


def test_the_booking_slip_shows_the_servers_label():
    booking = {"start": "2026-11-24T09:00:00+02:00", "labels": {"fi": "ti 24.11. klo 9.00", "sv": "tis 24.11 kl. 9.00"}}
    got = run_core(
        "return [pure.bookingTime(data, 'sv'), pure.bookingTime(data, 'en'), pure.bookingTime({}, 'fi')];", booking
    )
    assert got == ["tis 24.11 kl. 9.00", "ti 24.11. klo 9.00", ""]


def test_queue_line():
    kiosk = {"waiting": None, "coming": "kiosk.advisor_coming", "chatting": "kiosk.advisor_chatting"}
    widget = {"waiting": "widget.queue_waiting", "coming": "widget.advisor_coming", "chatting": "widget.advisor_here"}
    lives = [
        None,
        {"ticket": "A001", "status": "pending", "ahead": None, "takenOver": False, "ended": False},
        {"ticket": "A001", "status": "pending", "ahead": 0, "takenOver": False, "ended": False},
        {"ticket": "A001", "status": "pending", "ahead": 1, "takenOver": False, "ended": False},
        {"ticket": "A001", "status": "pending", "ahead": 4, "takenOver": False, "ended": False},
        {"ticket": "A001", "status": "claimed", "ahead": None, "takenOver": False, "ended": False},
        {"ticket": "A001", "status": "claimed", "ahead": None, "takenOver": True, "ended": False},
        {"ticket": "A001", "status": "resolved", "ahead": None, "takenOver": False, "ended": True},
    ]
    got = run_core(
        "return data.keys.map((keys) => data.lives.map((live) => pure.queueParts(live, keys)));",
        {"keys": [kiosk, widget], "lives": lives},
    )
    assert got[0] == [
        [],
        [],
        [["chat.queue_next"]],
        [["chat.queue_ahead_one"]],
        [["chat.queue_ahead", {"count": 4}]],
        [["kiosk.advisor_coming"]],
        [["kiosk.advisor_chatting"]],
        [],
    ]
    waiting = ["widget.queue_waiting", {"ticket": "A001"}]
    assert got[1] == [
        [],
        [waiting],
        [waiting, ["chat.queue_next"]],
        [waiting, ["chat.queue_ahead_one"]],
        [waiting, ["chat.queue_ahead", {"count": 4}]],
        [["widget.advisor_coming"]],
        [["widget.advisor_here"]],
        [],
    ]


def test_a_code_glued_to_a_non_ascii_letter_is_kept_alike():
    """Python's \\w is Unicode; client_patterns() writes it so that JavaScript agrees."""
    cases = ["Soitä040 1234567", "ä131052-308T"]
    masked = run_core(
        "return data.cases.map((text) => pure.mask(text, data.patterns));",
        {"cases": cases, "patterns": client_patterns()},
    )
    assert masked == [redact(text).text for text in cases]
