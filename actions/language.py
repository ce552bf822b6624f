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
from service_catalogue.loader import LANGUAGES

HINTS_FILE = Path(__file__).resolve().parents[1] / "bot" / "language_hints.yml"
# A message this short is a greeting, a thank-you or an answer: too little to change language.
SHORT_WORDS = 2
# How sure langdetect must be before the conversation leaves its current language.
SWITCH_CONFIDENCE = 0.9
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Placeholders, addresses, form codes and any token with a digit (a booking reference, a time)
# say nothing about the language; their letters would only mislead the detector.
_NOISE = re.compile(r"<[A-Z_]+>|https?://\S+|\b[A-Z]{1,3} ?\d+[a-z]?\b|\S*\d\S*")


class LanguageDetector:
    """langdetect limited to Finnish, Swedish and English, weighed by the conversation so far."""

    def __init__(self, hints: dict[str, Any]):
        self.short_words = {lang: set(words) for lang, words in hints["short_words"].items()}
        self.names = hints["names"]
        self._factory = None

    def _detector_factory(self):
        if self._factory is None:
            from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

            factory = DetectorFactory()
            profiles = [Path(PROFILES_DIRECTORY, lang).read_text(encoding="utf-8") for lang in LANGUAGES]
            factory.load_json_profile(profiles)
            factory.set_seed(0)  # the same message always gets the same answer
            self._factory = factory
        return self._factory

    def probabilities(self, text: str, prior: str | None = None) -> dict[str, float]:
        """langdetect's probability for each of fi, sv, en."""
        detector = self._detector_factory().create()
        if prior:
            detector.set_prior_map({lang: (0.6 if lang == prior else 0.2) for lang in LANGUAGES})
        detector.append(text)
        try:
            found = {str(p.lang): p.prob for p in detector.get_probabilities()}
        except Exception:  # langdetect raises on text with no letters it knows
            return {}
        return {lang: found.get(lang, 0.0) for lang in LANGUAGES}

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


class ActionDetectLanguage(Action):
    """Sets `language` from an explicit choice, else from the message, the conversation as prior."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        current = tracker.get_slot("language") if earlier_user_turns(tracker) else None
        language = (
            explicit_choice(tracker)
            or services.language_detector().detect((tracker.latest_message or {}).get("text"), current)
            or tracker.get_slot("language")
            or "fi"
        )
        return [SlotSet("language", language)]
