"""The `language` slot, decided inside Rasa on every customer message: no call to the action server.

A policy that never predicts an action (its probabilities are all zero) and returns a `SlotSet` as
one of its prediction's `events`. Rasa applies such events whichever policy wins, before the first
action after the message runs (`MessageProcessor._run_action`), so that action's reply, a response or
a custom action, is already in the new language. This replaced a custom slot mapping
(`action_detect_language`), which cost every message a second round trip to the action server.

The decision: an explicit choice (a kiosk language button's `language` metadata, or asking for a
language in words, `choose_language`), then the message's language from the NLU identifier's scores
(bot/language_id.py, `language_id` in the parse data) with the conversation's language (on the first
message, the page's) as prior, then the conversation's, then the page's, then Finnish. Button payloads,
Sámi messages and, later in a conversation, messages of one or two words keep the language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language_id import DEFAULT_HINTS, LANGUAGES, OUTPUT, words_of

SLOT = "language"
DEFAULT_LANGUAGE = "fi"
CHOOSE_INTENT = "choose_language"
# A message this short is a greeting, a thank-you or an answer: too little to change language.
SHORT_WORDS = 2
# How sure the identifier must be before the conversation leaves its current language.
SWITCH_CONFIDENCE = 0.9
# The page's language on a first message: its odds are multiplied by this. Enough to settle a message
# the identifier finds about even ("hallo", or "ok", which has no evidence at all), too little to
# outweigh one it leans on (god morgon, or en ymmärrä, on a page in another language).
PAGE_PRIOR_ODDS = 1.5


def decide(
    text: str | None,
    language_id: dict[str, Any] | None,
    *,
    current: str | None = None,
    page: str | None = None,
) -> str | None:
    """The language of a message from the identifier's `language_id` (docs/contracts.md), or None.

    `current` is the conversation's language after its first customer message (None on the first);
    `page` the page's language, the prior of a first message. A button payload, a Sámi message and,
    later in a conversation, a message of one or two words keep the conversation's language.
    """
    if not text or text.startswith("/") or not isinstance(language_id, dict):
        return current
    if language_id.get("sami"):
        return current  # answered in the conversation's language, with a Sámi greeting (actions/sami.py)
    words = words_of(text)
    if not words or (current and len(words) <= SHORT_WORDS):
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


def named_language(text: str, names: dict[str, list[str]]) -> str | None:
    """The language a request like 'voidaanko puhua ruotsia' names (language_hints.yml `names`), if any."""
    lowered = text.lower()
    for lang, stems in names.items():
        if any(stem in lowered for stem in stems):
            return lang
    return None


def read_names(path: Path = DEFAULT_HINTS) -> dict[str, list[str]]:
    """The stems that name each language in a request to switch (language_hints.yml `names`)."""
    import yaml

    with path.open(encoding="utf-8") as handle:
        names = (yaml.safe_load(handle) or {}).get("names") or {}
    return {lang: [str(stem).lower() for stem in names.get(lang) or []] for lang in LANGUAGES}


def fresh_message(tracker: DialogueStateTracker) -> UserUttered | None:
    """The customer's message that no action has answered yet, or None (the loop is past it)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return event
        if isinstance(event, ActionExecuted):
            return None
    return None


def earlier_messages(tracker: DialogueStateTracker) -> int:
    """How many customer messages of this session came before the latest one."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        count += isinstance(event, UserUttered)
    return max(0, count - 1)


def choose(message: UserUttered, slot: str | None, earlier: int, names: dict[str, list[str]]) -> str:
    """The conversation's language after `message`: explicit choice > message > conversation > page > fi."""
    metadata = message.metadata or {}
    current = slot if earlier and slot in LANGUAGES else None
    page = metadata.get("page_language") if metadata.get("page_language") in LANGUAGES else None
    return (
        explicit_choice(message, names)
        or decide(message.text, message.parse_data.get(OUTPUT), current=current, page=page)  # type: ignore[arg-type]
        or current
        or page
        or (slot if slot in LANGUAGES else None)
        or DEFAULT_LANGUAGE
    )


def explicit_choice(message: UserUttered, names: dict[str, list[str]]) -> str | None:
    """A language the customer chose: a kiosk button (metadata) or asking for it in words."""
    chosen = (message.metadata or {}).get("language")
    if chosen in LANGUAGES:
        return chosen
    if (message.intent or {}).get("name") != CHOOSE_INTENT:
        return None
    for entity in message.entities or []:
        if entity.get("entity") == SLOT and entity.get("value") in LANGUAGES:
            return entity["value"]
    return named_language(message.text or "", names)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False)
class LanguagePolicy(Policy):
    """Sets `language` on each customer message; never predicts an action."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The hints file whose `names` tell a language asked for in words."""
        return {"hints_file": str(DEFAULT_HINTS), "priority": 0}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._names: dict[str, list[str]] | None = None

    def names(self) -> dict[str, list[str]]:
        """The `names` of the hints file, read once on first use (nothing is read at load time)."""
        if self._names is None:
            path = Path(self.config.get("hints_file") or DEFAULT_HINTS)
            self._names = read_names(path if path.exists() else DEFAULT_HINTS)
        return self._names

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """No action; a `SlotSet` when a fresh customer message changes the language."""
        events: list[Event] = []
        message = fresh_message(tracker)
        if message is not None and tracker.latest_action_name == ACTION_LISTEN_NAME:
            slot = tracker.get_slot(SLOT)
            language = choose(message, slot, earlier_messages(tracker), self.names())
            if language != slot:
                events.append(SlotSet(SLOT, language))
        return self._prediction(self._default_predictions(domain), events=events)
