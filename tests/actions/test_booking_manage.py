"""Cancel or move by reference: the booking is shown and nothing changes before a yes."""

import pytest
from rasa_sdk.events import FollowupAction

from actions import services
from actions.booking_manage import (
    ActionAskBookingManageConfirmed,
    ActionManageBooking,
    ValidateManageBookingForm,
    reference_in_message,
)
from tests.actions.conftest import bot_event, domain_responses, make_tracker, run, user_event


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def booked(kind="remote", topic="studies", language="en", index=0):
    slot = services.booking_client().free_slots(kind, topic, language)[index]
    return services.booking_client().book(
        kind=kind,
        topic=topic,
        language=language,
        start=slot.start,
        phone="040 123 4567" if kind == "phone" else None,
        point_id="example-point",
        channel="web",
    )


def validate(dispatcher, text, intent, slots=None, requested=None, history=(), language="fi"):
    tracker = make_tracker(
        text, intent, language=language, history=history, slots={"requested_slot": requested, **(slots or {})}
    )
    return slots_of(run(ValidateManageBookingForm(), dispatcher, tracker, domain_responses()))


def status(booking):
    return services.booking_client().find(booking.reference).status


@pytest.mark.parametrize(
    "text, intent, manage", [("cancel {}", "cancel_booking", "cancel"), ("siirrä aika {}", "move_booking", "move")]
)
def test_a_reference_shows_the_booking_and_asks_first(dispatcher, case_db, text, intent, manage):
    booking = booked()
    got = validate(dispatcher, text.format(booking.reference.lower()), intent)
    assert got["booking_reference"] == booking.reference and got["booking_manage"] == manage
    assert got["requested_slot"] == "booking_manage_confirmed"
    run(ActionAskBookingManageConfirmed(), dispatcher, make_tracker("", intent, language="en", slots=got), {})
    message = dispatcher.messages[-1]
    assert message["response"] == f"utter_ask_booking_manage_confirmed_{manage}"
    assert (message["kind"], message["topic"]) == ("Remote appointment (video)", "Studies")
    assert message["when"] and message["reference"] == booking.reference
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]
    assert status(booking) == "booked"


def confirm(dispatcher, booking, manage, text, intent, buttons=()):
    """The customer's answer to "shall I cancel/move it?", then what action_manage_booking does."""
    slots = {"booking_reference": booking.reference, "booking_manage": manage}
    history = [user_event(f"{manage} {booking.reference}", f"{manage}_booking"), bot_event(buttons=buttons)]
    got = validate(dispatcher, text, intent, slots, "booking_manage_confirmed", history=history)
    assert got["requested_slot"] is None
    tracker = make_tracker(text, intent, slots={**slots, **got})
    return run(ActionManageBooking(), dispatcher, tracker, {})


def test_yes_cancels(dispatcher, case_db):
    booking = booked()
    services.contact_vault().put("test-conversation", "040 123 4567")
    confirm(dispatcher, booking, "cancel", "kyllä", "affirm")
    assert status(booking) == "cancelled"
    assert dispatcher.messages[-1]["response"] == "utter_booking_cancelled_by_reference"
    assert services.contact_vault().peek("test-conversation") is None
    assert [(e["event_type"], e["actor"]) for e in services.event_log().list_events()] == [
        ("booking_cancelled", "self_service")
    ]


@pytest.mark.parametrize("text, intent", [("ei", "deny"), ("nej", "deny"), ("no thanks, bye", "goodbye")])
def test_no_changes_nothing(dispatcher, case_db, text, intent):
    booking = booked()
    events = confirm(dispatcher, booking, "cancel", text, intent)
    assert status(booking) == "booked"
    assert dispatcher.messages[-1]["response"] == "utter_booking_kept"
    assert all(v is None for v in slots_of(events).values())


@pytest.mark.parametrize(
    "text, cancelled", [("Peru varattu aika", True), ("avboka tiden", True), ("keep the appointment", False)]
)
def test_the_buttons_typed(dispatcher, case_db, text, cancelled):
    booking = booked()
    config = services.booking_config()
    buttons = [
        {"title": config.label("cancel_booking", "fi"), "payload": "/affirm"},
        {"title": config.label("keep_booking", "fi"), "payload": "/deny"},
    ]
    confirm(dispatcher, booking, "cancel", text, "nlu_fallback", buttons)
    assert status(booking) == ("cancelled" if cancelled else "booked")


def test_yes_to_moving_opens_the_booking_form_with_the_booking(dispatcher, case_db):
    booking = booked(kind="phone", topic="housing", language="fi")
    events = confirm(dispatcher, booking, "move", "joo", "affirm")
    assert FollowupAction("booking_form") in events
    got = slots_of(events)
    assert (got["booking_kind"], got["booking_topic"], got["booking_language"]) == ("phone", "housing", "fi")
    assert dispatcher.messages[-1]["response"] == "utter_booking_moving" and status(booking) == "booked"


def test_an_unknown_reference_gets_the_unknown_answer(dispatcher, case_db):
    got = validate(dispatcher, "peru ABCD-2345", "cancel_booking")
    assert got["booking_reference"] == "ABCD-2345" and got["requested_slot"] is None
    run(ActionManageBooking(), dispatcher, make_tracker("", "cancel_booking", slots=got), {})
    assert dispatcher.messages[-1]["response"] == "utter_booking_reference_unknown"


def test_a_cancelled_booking_is_unknown(dispatcher, case_db):
    booking = booked()
    services.booking_client().cancel(booking.reference)
    got = validate(dispatcher, f"peru {booking.reference}", "cancel_booking")
    assert got["requested_slot"] is None


def test_a_language_button_asks_again_in_the_new_language(dispatcher, case_db):
    booking = booked()
    slots = {"booking_reference": booking.reference, "booking_manage": "cancel"}
    got = validate(
        dispatcher,
        '/choose_language{"language":"sv"}',
        "choose_language",
        slots,
        "booking_manage_confirmed",
        language="sv",
    )
    assert got["requested_slot"] == "booking_manage_confirmed" and "booking_reference" not in got
    assert dispatcher.messages[-1]["response"] == "utter_booking_language_changed"
    got = validate(dispatcher, '/choose_language{"language":"en"}', "choose_language", {}, "booking_reference")
    assert got["requested_slot"] == "booking_reference"


def test_something_else_at_the_question_asks_again(dispatcher, case_db):
    booking = booked()
    slots = {"booking_reference": booking.reference, "booking_manage": "cancel"}
    got = validate(dispatcher, "mikä on lapsilisä", "service_child_benefit", slots, "booking_manage_confirmed")
    assert got["requested_slot"] == "booking_manage_confirmed" and status(booking) == "booked"
    assert dispatcher.messages[-1]["response"] == "utter_booking_not_understood"


def test_asking_for_a_person_at_the_question_hands_over(dispatcher, case_db):
    booking = booked()
    slots = {"booking_reference": booking.reference, "booking_manage": "cancel"}
    got = validate(dispatcher, "haluan puhua ihmiselle", "request_human", slots, "booking_manage_confirmed")
    assert got["booking_reference"] is None and got["requested_slot"] is None
    run(
        ActionManageBooking(),
        dispatcher,
        make_tracker("", "request_human", metadata={"channel": "kiosk"}, slots=got),
        {},
    )
    assert dispatcher.messages[-1]["response"] == "utter_handoff" and status(booking) == "booked"


@pytest.mark.parametrize(
    "text, found",
    [
        ("peru ABCD-2345", "ABCD-2345"),
        ("avboka abcd 2345", "ABCD-2345"),
        ("peru varaus", None),
        ("peruutus on tehty", None),
        ("siirrä aika 3g8d-qgnn", "3G8D-QGNN"),
    ],
)
def test_reference_in_message(text, found):
    assert reference_in_message(make_tracker(text, "cancel_booking")) == found
