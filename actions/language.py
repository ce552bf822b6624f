"""Keeps the `language` slot right on every user turn (a custom slot-mapping action)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import entity_values, latest_intent, metadata_of
from bot import langdetect_three
from service_catalogue.loader import LANGUAGES

HINTS_FILE = Path(__file__).resolve().parents[1] / "bot" / "language_hints.yml"
# A message this short is a greeting, a thank-you or an answer: too little to change language.
SHORT_WORDS = 2
# How sure the identifier (or langdetect) must be before the conversation leaves its current language.
SWITCH_CONFIDENCE = 0.9
# The page's language on a first message: its odds are multiplied by this. Enough to settle a message
# the identifier finds about even ("hallo", or "ok", which has no evidence at all), too little to
# outweigh one it leans on (god morgon, or en ymmärrä, on a page in another language).
PAGE_PRIOR_ODDS = 1.5
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Placeholders, addresses, form codes and any token with a digit (a booking reference, a time)
# say nothing about the language; their letters would only mislead the detector.
_NOISE = re.compile(r"<[A-Z_]+>|https?://\S+|\b[A-Z]{1,3} ?\d+[a-z]?\b|\S*\d\S*")


class LanguageDetector:
    """langdetect limited to Finnish, Swedish and English, weighed by the conversation so far."""

    def __init__(self, hints: dict[str, Any]):
        self.short_words = {lang: set(words) for lang, words in hints["short_words"].items()}
        self.names = hints["names"]

    def probabilities(self, text: str, prior: str | None = None) -> dict[str, float]:
        """langdetect's probability for each of fi, sv, en."""
        return langdetect_three.probabilities(text, prior)

    def named_language(self, text: str) -> str | None:
        """The language a request like 'voidaanko puhua ruotsia' names, if any."""
        lowered = text.lower()
        for lang, stems in self.names.items():
            if any(stem in lowered for stem in stems):
                return lang
        return None

    def detect(self, text: str | None, current: str | None = None) -> str | None:
        """The language of the text; `current` (the conversation's language so far) wins ties."""
        if not text or text.startswith("/"):
            return current  # a button payload says nothing about language
        words = [w.lower() for w in _WORD.findall(_NOISE.sub(" ", text))]
        if not words:
            return current
        if len(words) <= SHORT_WORDS:
            if current:
                return current
            scores = {lang: sum(w in self.short_words[lang] for w in words) for lang in LANGUAGES}
            best = max(scores, key=lambda lang: scores[lang])
            if scores[best] > 0:
                return best
        probabilities = self.probabilities(" ".join(words), prior=current)
        if not probabilities:
            return current
        best = max(probabilities, key=lambda lang: probabilities[lang])
        if current and best != current and probabilities[best] < SWITCH_CONFIDENCE:
            return current
        return best


def load_detector() -> LanguageDetector:
    """A detector with the hints of bot/language_hints.yml (actions.services keeps the process's one)."""
    with HINTS_FILE.open(encoding="utf-8") as handle:
        return LanguageDetector(yaml.safe_load(handle))


def decide(
    text: str | None,
    language_id: dict[str, Any],
    *,
    current: str | None = None,
    page: str | None = None,
) -> str | None:
    """The language of a message from the NLU identifier's `language_id` (contract B), or None.

    `current` is the conversation's language after its first customer message (None on the first);
    `page` the page's language, the prior of a first message. A button payload, a Sámi message and,
    later in a conversation, a message of one or two words keep the conversation's language.
    """
    if not text or text.startswith("/"):
        return current
    if language_id.get("sami"):
        return current  # answered in the conversation's language, with a Sámi greeting (actions/sami.py)
    words = _WORD.findall(_NOISE.sub(" ", text))
    if not words:
        return current
    if current and len(words) <= SHORT_WORDS:
        return current
    scores = {lang: float((language_id.get("scores") or {}).get(lang) or 0.0) for lang in LANGUAGES}
    if not any(scores.values()):
        return current
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    if current:
        return best if best == current or scores[best] >= SWITCH_CONFIDENCE else current
    if page in LANGUAGES:
        weighted = {lang: scores[lang] * (PAGE_PRIOR_ODDS if lang == page else 1.0) for lang in LANGUAGES}
        best = max(LANGUAGES, key=lambda lang: (weighted[lang], lang == page))
    return best


def page_language(tracker: Tracker) -> str | None:
    """The page's language (kiosk screen or widget `data-lang`) the gateway signed, if any."""
    page = metadata_of(tracker).get("page_language")
    return page if page in LANGUAGES else None


def explicit_choice(tracker: Tracker) -> str | None:
    """A language the customer chose: a kiosk button (metadata) or asking for it in words."""
    chosen = metadata_of(tracker).get("language")
    if chosen in LANGUAGES:
        return chosen
    if latest_intent(tracker) == "choose_language":
        for value in entity_values(tracker, "language"):
            if value in LANGUAGES:
                return value
        return services.language_detector().named_language((tracker.latest_message or {}).get("text") or "")
    return None


def earlier_user_turns(tracker: Tracker) -> int:
    """How many customer messages came before the latest one."""
    return max(0, sum(1 for e in tracker.events if e.get("event") == "user") - 1)


def detected(tracker: Tracker, current: str | None, page: str | None) -> str | None:
    """The message's language: the NLU identifier's scores, or langdetect for a model without it."""
    latest = tracker.latest_message or {}
    language_id = latest.get("language_id")
    if isinstance(language_id, dict):
        return decide(latest.get("text"), language_id, current=current, page=page)
    # A model trained before bot/language_id.py: langdetect here, as before (the page only breaks no tie).
    return services.language_detector().detect(latest.get("text"), current)


class ActionDetectLanguage(Action):
    """Sets `language`: explicit choice > the message's language (with a prior) > conversation > page > fi."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        current = tracker.get_slot("language") if earlier_user_turns(tracker) else None
        page = page_language(tracker)
        language = (
            explicit_choice(tracker)
            or detected(tracker, current, page)
            or current
            or page
            or tracker.get_slot("language")
            or "fi"
        )
        return [SlotSet("language", language)]
