"""Typed answers: a button's label typed in any case, without diacritics or in another language does what it does."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.booking import ActionAskBookingKind, ActionAskBookingStart, ActionAskBookingTopic
from actions.choices import (
    applied_events,
    button,
    normalise,
    parse_payload,
    reread_as_pressed,
    typed_choice,
)
from actions.fallback import ActionFallback
from booking.views import slot_label
from tests.actions.conftest import bot_event, domain_responses, make_tracker, run, user_event

PHONE_BOOKING = {"booking_kind": "phone", "booking_topic": "housing", "booking_language": "fi"}
CANCEL = '/choose{"booking_choice":"cancel"}'
LATER = '/choose{"booking_choice":"later"}'


def shown(action, lang="fi", slots=None) -> list[dict]:
    """The buttons an ask action shows."""
    dispatcher = CollectingDispatcher()
    run(action, dispatcher, make_tracker("", "book_appointment", language=lang, slots=slots or PHONE_BOOKING))
    return dispatcher.messages[-1]["buttons"]


def typed(text, buttons, lang="fi", intent="nlu_fallback"):
    """The payload `text` chooses when the bot's last turn showed `buttons`."""
    history = [user_event("haluan varata ajan", "book_appointment"), bot_event(buttons=buttons)]
    return typed_choice(make_tracker(text, intent, language=lang, history=history), domain_responses())


@pytest.mark.parametrize(
    "text, plain",
    [
        ("Keskeytä", "keskeyta"),
        ("  MYÖHEMMÄT   ajat! ", "myohemmat ajat"),
        ("Avbryt.", "avbryt"),
        ("ti 24.11. klo 9.00", "ti 24 11 klo 9 00"),
        ("Välj en ny tid", "valj en ny tid"),
    ],
)
def test_normalise(text, plain):
    assert normalise(text) == plain


def test_a_button_payload_reads_back():
    made = button("Later times", booking_choice="later")
    assert made == {"title": "Later times", "payload": LATER}
    assert parse_payload(made["payload"]) == ("choose", {"booking_choice": "later"})
    assert parse_payload("/affirm") == ("affirm", {})
    assert parse_payload("hello") is None and parse_payload("/choose{broken") is None


@pytest.mark.parametrize("text", ["keskeytä", "KESKEYTA", "Keskeytä.", "avbryt", "cancel", "Cancel!"])
def test_cancel_typed_in_any_language(text):
    assert typed(text, shown(ActionAskBookingStart())) == CANCEL


@pytest.mark.parametrize("text", ["myöhemmät ajat", "Myohemmat ajat", "later times", "senare tider", "myöhemmät"])
def test_later_times_typed(text):
    assert typed(text, shown(ActionAskBookingStart())) == LATER


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_time_label_typed_in_any_language_chooses_that_time(lang):
    buttons = shown(ActionAskBookingStart())
    slot = services.booking_client().free_slots("phone", "housing", "fi")[1]
    label = slot_label(slot.start, lang, services.booking_config())
    assert typed(label, buttons) == f'/choose{{"booking_start":"{slot.key}"}}'
    assert typed(label.upper(), buttons) == f'/choose{{"booking_start":"{slot.key}"}}'


def test_a_time_typed_by_its_day_and_clock_chooses_it():
    buttons = shown(ActionAskBookingStart())
    slot = services.booking_client().free_slots("phone", "housing", "fi")[2]
    start = slot.start.astimezone(services.booking_config().tz)
    expected = f'/choose{{"booking_start":"{slot.key}"}}'
    assert typed(f"{start.day}.{start.month}. klo {start.hour}.{start.minute:02d}", buttons) == expected
    assert typed(f"{start.day}.{start.month} {start.hour}:{start.minute:02d}", buttons) == expected


def test_a_sentence_that_mentions_a_time_is_not_a_choice():
    buttons = shown(ActionAskBookingStart())
    start = services.booking_client().free_slots("phone", "housing", "fi")[0].start
    assert typed(f"onko teillä aikoja klo {start.hour} jälkeen?", buttons) is None


@pytest.mark.parametrize(
    "text, payload",
    [
        ("puhelinaika", '/choose{"appointment_kind":"phone"}'),
        ("Telefontid", '/choose{"appointment_kind":"phone"}'),
        ("remote appointment", '/choose{"appointment_kind":"remote"}'),
        ("videotapaaminen", '/choose{"appointment_kind":"remote"}'),
    ],
)
def test_kinds_typed(text, payload):
    assert typed(text, shown(ActionAskBookingKind(), slots={})) == payload


@pytest.mark.parametrize("text", ["asuminen", "Boende", "housing", "ASUMINEN"])
def test_topics_typed(text):
    assert typed(text, shown(ActionAskBookingTopic(), slots={})) == '/choose{"booking_topic":"housing"}'


def test_a_domain_button_typed_in_another_language():
    greet = domain_responses()["responses"]["utter_greet"][0]["buttons"]  # Finnish
    assert typed("Tala med servicerådgivaren", greet) == "/request_human"
    assert typed("mita taalla voi hoitaa", greet) == "/ask_capabilities"
    assert typed("what can i do here", greet) == "/ask_capabilities"


def test_yes_and_no_typed_to_the_advisor_offer():
    offer = domain_responses()["responses"]["utter_advisor_offer_service"][0]["buttons"]
    assert typed("kyllä", offer) == "/affirm"
    assert typed("Ja, kalla på servicerådgivaren", offer) == "/affirm"
    assert typed("no thanks", offer) == "/deny"
    assert typed("nej tack", offer) == "/deny"
    assert [typed(word, offer) for word in ("ja", "yes", "ei", "no", "nej")] == ["/affirm"] * 2 + ["/deny"] * 3
    assert typed("j", offer) is None


def test_nothing_offered_or_nothing_matching_is_no_choice():
    assert typed("keskeytä", []) is None
    assert typed("haluan puhua lapsilisästä", shown(ActionAskBookingStart())) is None
    assert typed(CANCEL, shown(ActionAskBookingStart())) is None  # a pressed button is its own payload


def test_only_the_last_turn_counts():
    history = [
        user_event("varaa aika", "book_appointment"),
        bot_event(buttons=shown(ActionAskBookingStart())),
        user_event("mitä kuuluu", "greet"),
        bot_event(text="Hei!"),
    ]
    assert typed_choice(make_tracker("keskeytä", "nlu_fallback", history=history), domain_responses()) is None


def test_a_rewound_turn_is_not_the_last_turn():
    events = [user_event("a", "greet"), {"event": "bot", "text": "x"}, user_event("b", "nlu_fallback")]
    assert applied_events([*events, {"event": "rewind"}, {"event": "action", "name": "action_listen"}]) == [
        *events[:2],
        {"event": "action", "name": "action_listen"},
    ]


def test_outside_a_form_a_typed_label_is_read_again_as_the_button(dispatcher):
    offer = domain_responses()["responses"]["utter_advisor_offer_fallback"][2]["buttons"]  # English
    history = [user_event("asdf", "nlu_fallback"), bot_event(buttons=offer)]
    tracker = make_tracker("Kyllä, kutsu palveluneuvoja", "nlu_fallback", language="en", history=history)
    events = reread_as_pressed(tracker, domain_responses())
    assert [e["event"] for e in events] == ["rewind", "action", "user", "slot"]
    assert events[2]["parse_data"]["intent"]["name"] == "affirm" and events[2]["text"] == "Kyllä, kutsu palveluneuvoja"
    assert run(ActionFallback(), dispatcher, tracker, domain_responses()) == events
    assert dispatcher.messages == []
