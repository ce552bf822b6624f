"""The language of the answers (issue 13) on the trained model: short and long first messages, the page's
language as a prior only, a later "ok" that switches nothing, and the identifier in the parse data."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fi", "sv", "en")


@cache
def response_patterns() -> dict[str, list[re.Pattern]]:
    """Every response text of the domain per language, its {slots} matching anything."""
    patterns: dict[str, list[re.Pattern]] = {lang: [] for lang in LANGUAGES}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        for variations in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).values():
            for variation in variations:
                lang = next(
                    (c.get("value") for c in variation.get("condition") or [] if c.get("name") == "language"), None
                )
                if lang in patterns and variation.get("text"):
                    template = re.escape(variation["text"]).replace(r"\{", "{").replace(r"\}", "}")
                    patterns[lang].append(re.compile(re.sub(r"\{\w+\}", ".*", template), re.DOTALL))
    return patterns


def languages_of(replies: list[dict]) -> set[str]:
    """The languages the replies are in: a payload's `language`, else which language's response the text is."""
    found = set()
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and custom.get("language") in LANGUAGES:
            found.add(custom["language"])
        if reply.get("text"):
            found |= {
                lang
                for lang, patterns in response_patterns().items()
                if any(p.fullmatch(reply["text"]) for p in patterns)
            }
    return found


@pytest.mark.parametrize(
    "message, lang",
    [
        ("moikka moikka", "fi"),
        ("kiitti kaverille", "fi"),
        ("god morgon ni", "sv"),
        ("tack snälla", "sv"),
        ("hej hej hej", "sv"),
        ("hello there", "en"),
        ("thank you kindly", "en"),
        ("morning folks", "en"),
    ],
)
def test_a_short_first_message_is_answered_in_its_language_whatever_the_page(stack: Stack, sender, message, lang):
    wrong_page = next(other for other in LANGUAGES if other != lang)
    assert languages_of(stack.say(sender, message, page_language=wrong_page)) == {lang}


@pytest.mark.parametrize(
    "message, lang",
    [
        ("Hej, jag skulle vilja lämna in en ansökan om bostadsbidrag men jag vet inte hur man gör det.", "sv"),
        ("Kan jag lämna in mina papper här eller måste jag åka till FPA:s kontor?", "sv"),
        ("Could you tell me where I can hand in my application for the housing allowance?", "en"),
        ("My wife had a baby and we are not sure which benefits we should apply for.", "en"),
    ],
)
def test_a_whole_first_message_is_answered_in_its_language_on_a_finnish_page(stack: Stack, sender, message, lang):
    assert languages_of(stack.say(sender, message, page_language="fi")) == {lang}


def test_the_page_language_answers_a_first_button_and_only_when_signed(stack: Stack, sender):
    assert languages_of(stack.say(sender, "/greet", page_language="sv")) == {"sv"}
    unsigned = f"{sender}-unsigned"
    assert languages_of(stack.say(unsigned, "/greet", signed=False, page_language="sv")) == {"fi"}


def test_a_later_ok_keeps_the_conversations_language(stack: Stack, sender):
    assert languages_of(stack.say(sender, "hejsan hejsan")) == {"sv"}
    assert languages_of(stack.say(sender, "ok")) == {"sv"}


def test_the_kiosk_button_switches_mid_conversation(stack: Stack, sender):
    stack.say(sender, "moikka moikka", page_language="fi")
    replies = stack.say(sender, '/choose_language{"language":"en"}', language="en", page_language="en")
    assert languages_of(replies) == {"en"}


def test_the_identifier_is_in_the_parse_data_and_recognises_sami(stack: Stack):
    def parse(text: str) -> dict:
        response = httpx.post(
            f"{stack.rasa_url}/model/parse", params={"token": stack.token}, json={"text": text}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    swedish = parse("kan du hjälpa")["language_id"]
    assert max(swedish["scores"], key=swedish["scores"].get) == "sv" and swedish["sami"] is None
    sami = parse("Buorre beaivi! Hálan sámegiela.")
    assert sami["language_id"]["sami"] == "sme"
    assert sami["intent"] == {"name": "sami_language", "confidence": 1.0}


def test_a_sami_message_keeps_the_conversations_language(stack: Stack, sender):
    assert languages_of(stack.say(sender, "hejsan hejsan")) == {"sv"}
    replies = stack.say(sender, "Buorre beaivi! Hálan sámegiela.")
    assert replies and languages_of(replies) == {"sv"}
