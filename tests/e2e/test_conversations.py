"""Conversations over the REST channel against the trained model and the real action server."""

import json
import re
import sqlite3

import pytest

from tests.e2e.conftest import Stack


def customs(replies, kind):
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("type") == kind]


def text(replies):
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.mark.parametrize(
    "message, lang, code, variant",
    [
        ("Tarvitsen lomakkeen yleistä asumistukea varten", "fi", "AT 1", "AT 1"),
        ("Var hittar jag blanketten för barnbidrag?", "sv", "LL 1", "LL 1r"),
        ("Where can I get the application form for sickness allowance?", "en", "SV 8", "SV 8e"),
    ],
)
def test_form_request_gets_a_form_card_in_the_customers_language(stack: Stack, sender, message, lang, code, variant):
    replies = stack.say(sender, message)
    form = next(f for f in customs(replies, "form") if f["code"] == code)
    assert form["variant"] == variant and form["language"] == lang and form["url"].startswith("https://")
    assert variant in text(replies)


@pytest.mark.parametrize(
    "message, code, expected_form",
    [
        ("Jäin työttömäksi, mitä minun pitää tehdä?", "KE8", "TT 1"),
        ("Vi har fått ett barn, vad ska vi ansöka om?", "KE1", "LL 1"),
        ("I am moving to Finland, what do I need to do?", "KE5", "Y 77"),
    ],
)
def test_life_situation_gets_an_ordered_checklist(stack: Stack, sender, message, code, expected_form):
    replies = stack.say(sender, message)
    situation = customs(replies, "life_situation")[0]
    assert situation["code"] == code
    assert expected_form in [f["code"] for f in situation["forms"]]
    assert re.search(r"^1\. ", text(replies), re.M) and re.search(r"^2\. ", text(replies), re.M)


@pytest.mark.parametrize(
    "message, lang, words",
    [
        ("Haluan puhua ihmisen kanssa", "fi", "Vuoronumerosi"),
        ("Kan jag få prata med en människa?", "sv", "könummer"),
        ("Can I talk to a real person please?", "en", "ticket number"),
    ],
)
def test_handoff_gives_a_ticket_and_stores_the_case(stack: Stack, sender, message, lang, words):
    replies = stack.say(sender, message)
    handoff = customs(replies, "handoff")[0]
    assert re.fullmatch(r"A\d{3}", handoff["ticket"]) and words in text(replies)
    with sqlite3.connect(stack.app_db) as db:
        row = db.execute(
            "SELECT ticket, language, channel FROM handoff_cases WHERE conversation_id = ?", (sender,)
        ).fetchone()
    assert row == (handoff["ticket"], lang, "kiosk")


def test_conversation_switches_language_on_request(stack: Stack, sender):
    stack.say(sender, "Hei, tarvitsen apua")
    replies = stack.say(sender, "Sorry, can we continue in English?")
    assert customs(replies, "language") == [{"type": "language", "language": "en"}]
    assert "English" in text(replies)
    replies = stack.say(sender, "kiitos")
    assert "welcome" in text(replies).lower()  # a Finnish thank-you does not flip English back


def test_a_conversation_that_opens_in_swedish_is_answered_in_swedish(stack: Stack, sender):
    replies = stack.say(sender, "Hej! Jag behöver hjälp med bostadsbidrag")
    assert "Här är blankett" in text(replies) or "Så här" in text(replies)


def test_kiosk_language_button_sets_the_language(stack: Stack, sender):
    replies = stack.say(sender, "/greet", language="sv")
    assert "Hej!" in text(replies)


def test_identity_code_never_reaches_the_tracker_store(stack: Stack, sender):
    code, phone = "131052-308T", "040 123 4567"
    replies = stack.say(sender, f"Tarvitsen asumistukilomakkeen, hetuni on {code} ja puhelin {phone}")
    assert "henkilötunnus" in text(replies).lower()  # told it is not needed
    assert code not in json.dumps(replies) and "308T" not in json.dumps(replies)
    stack.say(sender, "Haluan puhua ihmisen kanssa")
    with sqlite3.connect(stack.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    stored = "\n".join(r[0] for r in rows)
    assert rows and "<ID_CODE>" in stored
    for secret in (code, "131052", "308T", "1234567", "123 4567"):
        assert secret not in stored
    with sqlite3.connect(stack.app_db) as db:
        cases = db.execute("SELECT * FROM handoff_cases WHERE conversation_id = ?", (sender,)).fetchall()
    assert cases and code not in str(cases)
    for log in stack.logs.values():
        assert code not in log.read_text()


def test_unknown_gibberish_gets_a_fallback_not_a_guess(stack: Stack, sender):
    replies = stack.say(sender, "xqzt vvrp klonk")
    assert not customs(replies, "form") and not customs(replies, "life_situation")
    assert any(r.get("buttons") for r in replies)
