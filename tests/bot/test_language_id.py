"""The NLU language identifier (bot/language_id.py): learnt from the examples' language metadata, Sámi by lookup."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.language_id import DEFAULT_HINTS, LANGUAGES, SAMI_INTENT, Hints, LanguageIdentifier, LinearScorer, fold

ROOT = Path(__file__).resolve().parents[2]
NLU = ROOT / "nlu_data"
CASES = ROOT / "bench" / "language_id_cases.yml"
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def intent_blocks():
    """(language directory, file, intent block) of every intent in nlu_data/<lang>/."""
    for lang in LANGUAGES:
        for path in sorted((NLU / lang).glob("*.yml")):
            for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
                if "intent" in block:
                    yield lang, path, block


def example_texts() -> set[str]:
    """Every NLU example as plain text in lower case (annotations removed)."""
    texts = set()
    for _, _, block in intent_blocks():
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.add(_ANNOTATION.sub(lambda m: m.group(1), line[2:]).strip().lower())
    return texts


def test_every_intent_block_says_its_language():
    wrong = [
        f"{path.name}: {block['intent']}"
        for lang, path, block in intent_blocks()
        if (block.get("metadata") or {}).get("language") != lang
    ]
    assert not wrong


def test_rasa_gives_the_component_the_language_of_each_example():
    texts, labels = LanguageIdentifier.labelled_examples(load_data(str(NLU / "sv" / "general.yml")))
    assert texts and set(labels) == {"sv"}


@pytest.mark.parametrize(
    "text, lang",
    [
        ("moikka moikka", "fi"),
        ("kiitos paljon avusta", "fi"),
        ("jag förstår inte", "sv"),
        ("kan du hjälpa mig", "sv"),
        ("thank you kindly", "en"),
        ("i don't understand", "en"),
        ("Jag vill lämna in en ansökan om bostadsbidrag men vet inte hur", "sv"),
        ("Could you tell me where to hand in my application", "en"),
    ],
)
def test_scores_favour_the_language_of_the_message(trained, text, lang):
    scores = trained.identify(text)["scores"]
    assert max(scores, key=scores.get) == lang
    assert sum(scores.values()) == pytest.approx(1.0)
    assert set(scores) == set(LANGUAGES)


@pytest.mark.parametrize("text", ["/greet", "1234", "<ID_CODE>", ""])
def test_payloads_and_text_without_words_have_no_opinion(trained, text):
    found = trained.identify(text)
    assert found["sami"] is None
    assert len(set(found["scores"].values())) == 1


def test_the_output_reaches_the_parse_data_and_a_sami_message_gets_its_intent(trained):
    finnish = Message({"text": "hei, tarvitsen apua", "intent": {"name": "greet", "confidence": 0.8}})
    sami = Message(
        {
            "text": "Buorre beaivi! Sáhtášitgo veahkehit?",
            "intent": {"name": "greet", "confidence": 0.98},
            "intent_ranking": [{"name": "greet", "confidence": 0.98}, {"name": "out_of_scope", "confidence": 0.02}],
        }
    )
    trained.process([finnish, sami])
    assert finnish.as_dict(only_output_properties=True)["language_id"]["sami"] is None
    assert finnish.get("intent")["name"] == "greet"
    parsed = sami.as_dict(only_output_properties=True)
    assert parsed["language_id"]["sami"] == "sme"
    assert parsed["intent"] == {"name": SAMI_INTENT, "confidence": 1.0}
    assert parsed["intent_ranking"][0] == {"name": SAMI_INTENT, "confidence": 1.0}
    # The classifier's guesses stay, below the lookup's answer by more than the fallback's ambiguity margin.
    assert parsed["intent_ranking"][1]["confidence"] <= 0.5


@pytest.mark.parametrize(
    "text, sami",
    [
        ("bures!", "sme"),
        ("giitu", "sme"),
        ("Hálan davvisámegiela, sáhtán go hállat sámegiella", "sme"),
        ("davvisamegiella", "sme"),  # typed without diacritics
        ("Pyeri peivi", "smn"),
        ("puhun anarâškielâ", "smn"),
        ("Tiõrv!", "sms"),
        ("s\u00e4\u00e4\u02b9m\u01e9i\u00f5ll", "sms"),  # with the prime U+02B9
        ("saa'mkioll", "sms"),
        ("nuõrttsää\u02b9mǩiõll", "sms"),
    ],
)
def test_sami_lookup_names_the_language(text, sami):
    assert Hints.read(DEFAULT_HINTS).sami_language(text) == sami


def test_no_finnish_swedish_or_english_example_is_taken_for_sami():
    hints = Hints.read(DEFAULT_HINTS)
    assert [text for text in example_texts() if hints.sami_language(text)] == []


def test_bench_messages_are_written_apart_from_the_training_data():
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    examples = example_texts()
    messages = [text for part in cases.values() for texts in part.values() for text in texts]
    assert [text for text in messages if text.lower() in examples] == []
    short = cases["short"]
    assert all(len(short[lang]) >= 50 for lang in LANGUAGES) and sum(len(v) for v in short.values()) >= 150
    assert all(1 <= len(text.split()) <= 3 for texts in short.values() for text in texts)


@pytest.mark.parametrize("text", ["ok", "kela", "OK kela"])
def test_international_words_leave_the_decision_to_the_page(trained, text):
    assert len(set(trained.identify(text)["scores"].values())) == 1


def test_the_linear_scorer_gives_what_scikit_learn_gives(trained):
    """On every example, as typed and without diacritics, and on text with no known n-gram."""
    assert trained._scorer is not None
    texts, _ = LanguageIdentifier.labelled_examples(load_data(str(NLU)))
    texts += [fold(text) for text in texts] + ["", "qqxq zzvw", "Hei hej hello"]
    for text, expected in zip(texts, trained._pipeline.predict_proba(texts), strict=True):
        found = trained.classifier_probabilities(text)
        for lang, p in zip(trained._pipeline.classes_, expected, strict=True):
            assert found[str(lang)] == pytest.approx(float(p), abs=1e-12), text


def test_a_pipeline_of_another_shape_is_scored_by_scikit_learn(trained):
    """A liblinear (one-against-the-rest) classifier is not the softmax the scorer computes."""
    pipeline = copy.deepcopy(trained._pipeline)
    pipeline.named_steps["classifier"].set_params(solver="liblinear")
    assert LinearScorer.supports(trained._pipeline) and not LinearScorer.supports(pipeline)


@pytest.mark.parametrize("text, lang", [("thnks", "en"), ("kiiitos", "fi"), ("hejsann", "sv"), ("päiväää", "fi")])
def test_a_short_word_with_one_typo_still_counts(text, lang):
    counts = Hints.read(DEFAULT_HINTS).short_word_counts([text])
    assert counts[lang] == 1 and sum(counts.values()) == 1


def test_one_languages_examples_give_no_model_but_a_working_identifier(tmp_path):
    # bench/nlu_cross_validation.py trains on one language at a time: langdetect and the hints answer then.
    storage, resource = LocalModelStorage(tmp_path), Resource("language_id")
    config = LanguageIdentifier.get_default_config()
    LanguageIdentifier.create(config, storage, resource, None).train(load_data(str(NLU / "sv" / "general.yml")))  # type: ignore[arg-type]
    loaded = LanguageIdentifier.load(config, storage, resource, None)  # type: ignore[arg-type]
    scores = loaded.identify("Jag vill lämna in en ansökan om bostadsbidrag i dag")["scores"]
    assert max(scores, key=scores.get) == "sv"
