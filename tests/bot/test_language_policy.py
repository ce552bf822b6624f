"""The language policy: explicit choices, the identifier's scores with a prior, short words that must not flip it."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language_id import LANGUAGES
from bot.language_policy import LanguagePolicy

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "choose_language", "request_human"],
        "slots": {
            "language": {
                "type": "categorical",
                "values": list(LANGUAGES),
                "initial_value": "fi",
                "influence_conversation": False,
                "mappings": [{"type": "custom"}],
            }
        },
        "responses": {"utter_greet": [{"text": "hei"}]},
    }
)


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    """The policy as Rasa's graph creates it."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("policy"))
    context = ExecutionContext(GraphSchema({}), "test")
    return LanguagePolicy.create(LanguagePolicy.get_default_config(), storage, Resource("language"), context)


def message(text, intent="greet", entities=(), metadata=None, language_id=None):
    """A customer's message as Rasa logs it, with the identifier's output when given."""
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}
    if language_id is not None:
        parse["language_id"] = language_id
    return UserUttered(text, parse["intent"], parse["entities"], parse, metadata=metadata or {})


def tracker_for(latest, language="fi", earlier=0):
    """A session whose latest event is `latest`, after `earlier` answered messages in `language`."""
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]
    for _ in range(earlier):
        events += [message("aiempi viesti"), BotUttered("vastaus"), ActionExecuted(ACTION_LISTEN_NAME)]
    events += [SlotSet("language", language), latest]
    return DialogueStateTracker.from_events("test", events, slots=DOMAIN.slots)


def set_language(policy, tracker):
    """The language after the policy's events (the slot unchanged when it returns none)."""
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    assert not any(prediction.probabilities), "the policy must never predict an action"
    slot_sets = [e for e in prediction.events if isinstance(e, SlotSet)]
    assert len(slot_sets) <= 1 and all(e.key == "language" for e in slot_sets)
    return slot_sets[0].value if slot_sets else tracker.get_slot("language")


def identified(policy, text, scores, sami=None, language="fi", earlier=0, metadata=None, intent="greet", entities=()):
    """The language after a message the identifier scored `scores` (fi, sv, en)."""
    language_id = {"scores": dict(zip(LANGUAGES, scores, strict=True)), "sami": sami}
    return set_language(policy, tracker_for(message(text, intent, entities, metadata, language_id), language, earlier))


def scored(policy, trained, text, language="fi", earlier=0, **kwargs):
    """The language after a message scored by the identifier trained on nlu_data/."""
    latest = message(text, language_id=trained.identify(text), **kwargs)
    return set_language(policy, tracker_for(latest, language, earlier))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hei, tarvitsen apua", "fi"),
        ("Jag har blivit sjuk och behöver sjukdagpenning", "sv"),
        ("We just had a baby, what benefits can we get?", "en"),
        ("Mistä saan asumistukihakemuksen?", "fi"),
        ("Var hittar jag blanketten för barnbidrag?", "sv"),
        ("hej", "sv"),
        ("moi", "fi"),
        ("hi", "en"),
    ],
)
def test_a_new_conversation_gets_the_language_of_its_first_message(policy, trained, text, expected):
    assert scored(policy, trained, text) == expected


@pytest.mark.parametrize("current", LANGUAGES)
@pytest.mark.parametrize("word", ["moi", "hej", "hi", "kiitos", "tack", "ok", "thanks", "ja"])
def test_short_words_never_flip_an_ongoing_conversation(policy, trained, current, word):
    assert scored(policy, trained, word, language=current, earlier=1) == current


def test_a_long_message_in_another_language_switches(policy, trained):
    text = "Jag skulle vilja veta hur man ansöker om bostadsbidrag"
    assert scored(policy, trained, text, earlier=1) == "sv"


def test_asking_for_a_language_in_another_language_switches_to_it(policy, trained):
    entity = [{"entity": "language", "value": "sv"}]
    assert (
        scored(policy, trained, "voidaanko puhua ruotsia", earlier=1, intent="choose_language", entities=entity) == "sv"
    )
    assert scored(policy, trained, "Sorry, can we continue in English?", earlier=1, intent="choose_language") == "en"


@pytest.mark.parametrize("text", ["peru varaus DN8C-45G6", "peru varaus dn8c45g6", "0401234567 kiitos"])
def test_references_and_numbers_do_not_decide_the_language(policy, trained, text):
    assert scored(policy, trained, text) == "fi"


def test_the_kiosk_language_button_is_an_explicit_choice(policy):
    assert identified(policy, "/greet", (1 / 3, 1 / 3, 1 / 3), earlier=1, metadata={"language": "en"}) == "en"


def test_button_payloads_keep_the_language(policy):
    assert (
        identified(policy, "/request_human", (1 / 3, 1 / 3, 1 / 3), language="sv", earlier=1, intent="request_human")
        == "sv"
    )


def test_the_identifier_decides_a_first_message(policy):
    assert identified(policy, "kan du hjälpa", (0.2, 0.7, 0.1)) == "sv"


def test_a_clear_first_message_beats_the_page_language(policy):
    assert identified(policy, "god morgon", (0.15, 0.8, 0.05), metadata={"page_language": "fi"}) == "sv"


def test_the_page_language_settles_a_first_message_that_could_be_either(policy):
    assert identified(policy, "hallo", (0.35, 0.45, 0.2), metadata={"page_language": "fi"}) == "fi"


def test_a_first_payload_or_a_number_is_answered_in_the_page_language(policy):
    assert identified(policy, "/greet", (1 / 3, 1 / 3, 1 / 3), metadata={"page_language": "sv"}) == "sv"
    assert identified(policy, "0401234567", (1 / 3, 1 / 3, 1 / 3), metadata={"page_language": "en"}) == "en"


def test_no_page_and_no_opinion_is_finnish(policy):
    assert identified(policy, "1234", (1 / 3, 1 / 3, 1 / 3)) == "fi"


@pytest.mark.parametrize("word", ["ok", "kiitos", "ok kiitos"])
def test_a_short_answer_later_never_switches_whatever_the_identifier_says(policy, word):
    assert identified(policy, word, (0.98, 0.01, 0.01), language="sv", earlier=1) == "sv"


def test_later_the_conversation_is_the_prior_and_only_a_sure_message_switches(policy):
    text = "what about my housing allowance"
    assert identified(policy, text, (0.1, 0.2, 0.7), earlier=1) == "fi"
    assert identified(policy, text, (0.02, 0.03, 0.95), earlier=1) == "en"


def test_a_sami_message_never_switches(policy):
    assert identified(policy, "Buorre beaivi, sáhtán go hállat", (0.9, 0.05, 0.05), "sme", "sv", 1) == "sv"
    assert identified(policy, "Buorre beaivi", (0.9, 0.05, 0.05), "sme", metadata={"page_language": "en"}) == "en"


def test_an_explicit_choice_beats_the_identifier(policy):
    sure_finnish = (0.95, 0.03, 0.02)
    assert identified(policy, "/choose_language", sure_finnish, earlier=1, metadata={"language": "en"}) == "en"
    entity = [{"entity": "language", "value": "sv"}]
    assert (
        identified(policy, "voidaanko puhua ruotsia", sure_finnish, intent="choose_language", entities=entity) == "sv"
    )


def test_the_page_language_is_only_a_prior_not_a_choice(policy):
    assert (
        identified(policy, "Jag vill boka en tid hos FPA", (0.05, 0.9, 0.05), metadata={"page_language": "en"}) == "sv"
    )


def test_only_a_fresh_message_is_decided(policy):
    latest = message("Jag vill boka en tid hos FPA", language_id={"scores": {"fi": 0.05, "sv": 0.9, "en": 0.05}})
    tracker = tracker_for(latest)
    tracker.update(ActionExecuted("utter_greet"))
    assert set_language(policy, tracker) == "fi"


def test_the_slot_is_set_before_the_reply_runs(policy):
    """Rasa applies a prediction's events to the tracker the action runs on, whichever policy won."""
    prediction = policy.predict_action_probabilities(
        tracker_for(message("We just had a baby", language_id={"scores": {"fi": 0.1, "sv": 0.1, "en": 0.8}})), DOMAIN
    )
    assert prediction.events == [SlotSet("language", "en")] and not prediction.optional_events
