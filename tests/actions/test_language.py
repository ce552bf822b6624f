"""Language selection: explicit choices, detection, and short words that must not flip it."""

import pytest

from actions import services
from actions.language import ActionDetectLanguage
from service_catalogue.loader import LANGUAGES
from tests.actions.conftest import make_tracker, run, user_event


def chosen(text, intent=None, language="fi", history=(), entities=(), metadata=None):
    tracker = make_tracker(text, intent, entities, language, metadata, history)
    return run(ActionDetectLanguage(), None, tracker, {})[0]["value"]


EARLIER = [user_event("earlier message", "greet")]


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
def test_a_new_conversation_gets_the_language_of_its_first_message(text, expected):
    assert chosen(text) == expected


@pytest.mark.parametrize("current", LANGUAGES)
@pytest.mark.parametrize("word", ["moi", "hej", "hi", "kiitos", "tack", "ok", "thanks", "ja"])
def test_short_words_never_flip_an_ongoing_conversation(current, word):
    assert chosen(word, language=current, history=EARLIER) == current


def test_a_long_message_in_another_language_switches():
    assert chosen("Jag skulle vilja veta hur man ansöker om bostadsbidrag", language="fi", history=EARLIER) == "sv"


def test_asking_for_a_language_in_another_language_switches_to_it():
    entity = [{"entity": "language", "value": "sv"}]
    assert chosen("voidaanko puhua ruotsia", "choose_language", "fi", EARLIER, entity) == "sv"
    assert chosen("Sorry, can we continue in English?", "choose_language", "fi", EARLIER) == "en"


def test_the_kiosk_language_button_is_an_explicit_choice():
    assert chosen("/greet", "greet", "fi", EARLIER, metadata={"language": "en"}) == "en"


def test_button_payloads_keep_the_language():
    assert chosen("/request_human", "request_human", "sv", EARLIER) == "sv"


def test_detector_only_ever_answers_fi_sv_or_en():
    for text in [
        "Guten Tag, ich brauche Hilfe mit dem Formular",
        "Bonjour je cherche un formulaire",
        "1234",
        "<ID_CODE>",
    ]:
        assert services.language_detector().detect(text) in {*LANGUAGES, None}


@pytest.mark.parametrize("text", ["peru varaus DN8C-45G6", "peru varaus dn8c45g6", "0401234567 kiitos"])
def test_references_and_numbers_do_not_decide_the_language(text):
    assert chosen(text) == "fi"
