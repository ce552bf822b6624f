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


def identified(text, scores, sami=None, language="fi", history=(), metadata=None, intent="greet"):
    """The language the action sets when the NLU identifier (bot/language_id.py) said `scores`."""
    tracker = make_tracker(text, intent, (), language, metadata, history)
    tracker.latest_message["language_id"] = {"scores": dict(zip(LANGUAGES, scores, strict=True)), "sami": sami}
    return run(ActionDetectLanguage(), None, tracker, {})[0]["value"]


def test_the_identifier_decides_a_first_message():
    assert identified("kan du hjälpa", (0.2, 0.7, 0.1)) == "sv"


def test_a_clear_first_message_beats_the_page_language():
    assert identified("god morgon", (0.15, 0.8, 0.05), metadata={"page_language": "fi"}) == "sv"


def test_the_page_language_settles_a_first_message_that_could_be_either():
    assert identified("hallo", (0.35, 0.45, 0.2), metadata={"page_language": "fi"}) == "fi"


def test_a_first_payload_or_a_number_is_answered_in_the_page_language():
    assert identified("/greet", (1 / 3, 1 / 3, 1 / 3), metadata={"page_language": "sv"}) == "sv"
    assert identified("0401234567", (1 / 3, 1 / 3, 1 / 3), metadata={"page_language": "en"}) == "en"


def test_no_page_and_no_opinion_is_finnish():
    assert identified("1234", (1 / 3, 1 / 3, 1 / 3)) == "fi"


@pytest.mark.parametrize("word", ["ok", "kiitos", "ok kiitos"])
def test_a_short_answer_later_never_switches_whatever_the_identifier_says(word):
    assert identified(word, (0.98, 0.01, 0.01), language="sv", history=EARLIER) == "sv"


def test_later_the_conversation_is_the_prior_and_only_a_sure_message_switches():
    unsure = (0.1, 0.2, 0.7)
    assert identified("what about my housing allowance", unsure, language="fi", history=EARLIER) == "fi"
    sure = (0.02, 0.03, 0.95)
    assert identified("what about my housing allowance", sure, language="fi", history=EARLIER) == "en"


def test_a_sami_message_never_switches():
    assert identified("Buorre beaivi, sáhtán go hállat", (0.9, 0.05, 0.05), "sme", "sv", EARLIER) == "sv"
    first = identified("Buorre beaivi", (0.9, 0.05, 0.05), "sme", metadata={"page_language": "en"})
    assert first == "en"


def test_an_explicit_choice_beats_the_identifier():
    assert identified("/choose_language", (0.9, 0.05, 0.05), metadata={"language": "en"}, history=EARLIER) == "en"
    tracker = make_tracker("voidaanko puhua ruotsia", "choose_language", [{"entity": "language", "value": "sv"}])
    tracker.latest_message["language_id"] = {"scores": {"fi": 0.95, "sv": 0.03, "en": 0.02}, "sami": None}
    assert run(ActionDetectLanguage(), None, tracker, {})[0]["value"] == "sv"


def test_the_page_language_is_only_a_prior_not_a_choice():
    assert identified("Jag vill boka en tid hos FPA", (0.05, 0.9, 0.05), metadata={"page_language": "en"}) == "sv"
