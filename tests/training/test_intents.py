"""Every intent has a human name in every language, from the catalogue or the intent texts."""

from __future__ import annotations

import pytest

from kiosk_ui.texts import load_texts
from service_catalogue.loader import LANGUAGES, load_catalogue
from store.db import open_database
from training.data import TrainingData
from training.intents import KINDS, intent_kind, intent_name, intent_names


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def texts():
    return load_texts()


@pytest.fixture(scope="module")
def intents():
    return TrainingData(open_database("sqlite://")).intents()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_intent_has_a_name_in_every_language(lang, catalogue, texts, intents):
    names = intent_names(lang, catalogue, texts)
    missing = [intent for intent in intents if not names.get(intent, "").strip()]
    assert not missing
    # Two intents with the same name could not be told apart in a list.
    assert len({names[i] for i in intents}) == len(intents)


def test_catalogue_intents_use_the_catalogues_names(catalogue, texts):
    assert intent_names("sv", catalogue, texts)["service_housing_allowance"] == "Allmänt bostadsbidrag"
    assert intent_names("fi", catalogue, texts)["life_having_child"] == "Lapsen saaminen"
    assert intent_names("en", catalogue, texts)["request_human"] == "Wants to talk to a person"


def test_names_of_the_texts_are_only_for_intents_the_catalogue_does_not_name(catalogue, texts):
    assert not set(texts("fi")["intents"]["names"]) & set(catalogue.by_intent)


def test_an_unnamed_intent_shows_its_raw_name():
    assert intent_name("brand_new_intent", {}) == "brand_new_intent"


def test_every_intent_falls_in_a_group(catalogue, intents):
    kinds = {intent: intent_kind(intent, catalogue) for intent in intents}
    assert set(kinds.values()) <= set(KINDS)
    assert kinds["greet"] == "general" and kinds["cancel_booking"] == "booking"
    assert kinds["life_divorce"] == "life_situation" and kinds["service_tax_card"] == "service"
