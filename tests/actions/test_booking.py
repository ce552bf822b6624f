"""The booking form's validation, questions and result, on real trackers and a real database."""

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions import services
from actions.booking import (
    ActionAskBookingConfirmed,
    ActionAskBookingStart,
    ActionBookingDone,
    ValidateBookingForm,
)
from actions.choices import button
from booking.views import slot_label
from tests.actions.conftest import bot_event, domain_responses, make_tracker, run, user_event

PHONE_BOOKING = {"booking_kind": "phone", "booking_topic": "housing", "booking_language": "fi"}


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def validate(dispatcher, text, intent, entities=(), slots=None, requested=None):
    tracker = make_tracker(text, intent, entities, slots={"requested_slot": requested, **(slots or {})})
    return slots_of(run(ValidateBookingForm(), dispatcher, tracker, {}))


def entity(name, value):
    return {"entity": name, "value": value}


def test_the_first_message_fills_kind_and_topic_and_asks_for_a_time(dispatcher, case_db):
    got = validate(
        dispatcher,
        "haluan puhelinajan asumistuesta",
        "book_appointment",
        [entity("appointment_kind", "phone"), entity("benefit", "housing_allowance")],
    )
    assert got["booking_kind"] == "phone" and got["booking_topic"] == "housing"
    assert got["booking_language"] == "fi" and got["requested_slot"] == "booking_start"


def test_the_life_situation_discussed_gives_the_topic(dispatcher, case_db):
    got = validate(dispatcher, "/book_appointment", "book_appointment", slots={"life_situation": "KE8"})
    assert got["booking_topic"] == "unemployment" and got["requested_slot"] == "booking_kind"


def test_a_question_in_the_middle_is_answered_and_asked_again(dispatcher, case_db):
    got = validate(
        dispatcher, "milloin olette auki?", "ask_hours_location", slots=PHONE_BOOKING, requested="booking_start"
    )
    assert got["requested_slot"] == "booking_start" and got["booking_start"] is None
    said = [m["response"] for m in dispatcher.messages]
    assert said == ["utter_hours_location", "utter_booking_back_to_booking"]


def test_a_benefit_asked_about_in_the_middle_does_not_change_the_topic(dispatcher, case_db):
    got = validate(
        dispatcher, "mikä on lapsilisä?", "service_child_benefit", slots=PHONE_BOOKING, requested="booking_start"
    )
    assert "booking_topic" not in got
    assert dispatcher.messages[0]["response"] == "utter_service"


@pytest.mark.parametrize(
    "intent, entities, reason",
    [
        ("choose", [entity("booking_choice", "cancel")], "customer"),
        ("deny", [], "customer"),
        ("request_human", [], "handoff"),
    ],
)
def test_leaving_the_booking_ends_the_form(dispatcher, case_db, intent, entities, reason):
    got = validate(dispatcher, "x", intent, entities, slots=PHONE_BOOKING, requested="booking_start")
    assert got["booking_cancelled"] == reason and got["requested_slot"] is None


def test_no_to_the_summary_offers_the_times_again(dispatcher, case_db):
    slots = {**PHONE_BOOKING, "booking_start": "2030-01-01T09:00:00+02:00", "booking_phone": "<PHONE_NUMBER>"}
    got = validate(dispatcher, "ei", "deny", slots=slots, requested="booking_confirmed")
    assert "booking_cancelled" not in got
    assert got["booking_start"] is None and got["requested_slot"] == "booking_start"


def test_a_free_time_pressed_is_taken_and_a_taken_one_refused(dispatcher, case_db):
    slot = services.booking_client().free_slots("phone", "housing", "fi")[0]
    got = validate(
        dispatcher,
        "/choose",
        "choose",
        [entity("booking_start", slot.key)],
        slots=PHONE_BOOKING,
        requested="booking_start",
    )
    assert got["booking_start"] == slot.key and got["requested_slot"] == "booking_phone"
    services.booking_client().book(
        kind="phone",
        topic="housing",
        language="fi",
        start=slot.start,
        phone="+358401234567",
        point_id="example-point",
        channel="web",
    )
    got = validate(
        dispatcher,
        "/choose",
        "choose",
        [entity("booking_start", slot.key)],
        slots=PHONE_BOOKING,
        requested="booking_start",
    )
    assert got["booking_start"] is None and dispatcher.messages[-1]["response"] == "utter_booking_slot_taken"


def test_later_times_start_after_the_last_shown(dispatcher, case_db):
    tracker = make_tracker("", "book_appointment", slots=PHONE_BOOKING)
    shown = slots_of(run(ActionAskBookingStart(), dispatcher, tracker, {}))["booking_last_shown"]
    buttons = dispatcher.messages[-1]["buttons"]
    assert len(buttons) >= 5 and buttons[0]["payload"].startswith('/choose{"booking_start"')
    got = validate(
        dispatcher,
        "/choose",
        "choose",
        [entity("booking_choice", "later")],
        slots={**PHONE_BOOKING, "booking_last_shown": shown},
        requested="booking_start",
    )
    assert got["booking_after"] == shown
    tracker = make_tracker("", "choose", slots={**PHONE_BOOKING, "booking_after": shown})
    run(ActionAskBookingStart(), dispatcher, tracker, {})
    later = [b["payload"] for b in dispatcher.messages[-1]["buttons"] if "booking_start" in b["payload"]]
    assert all(payload.split('"')[3] > shown for payload in later)


def test_phone_number_comes_from_the_vault_not_the_conversation(dispatcher, case_db):
    slots = {**PHONE_BOOKING, "booking_start": "2030-01-01T09:00:00+02:00"}
    services.contact_vault().put("test-conversation", "040 123 4567")
    got = validate(dispatcher, "<PHONE_NUMBER>", "personal_data", slots=slots, requested="booking_phone")
    assert got["booking_phone"] == "<PHONE_NUMBER>" and got["requested_slot"] == "booking_confirmed"
    services.contact_vault().put("test-conversation", "040 12")
    got = validate(dispatcher, "<PHONE_NUMBER>", "personal_data", slots=slots, requested="booking_phone")
    assert got["booking_phone"] is None and dispatcher.messages[-1]["response"] == "utter_booking_phone_invalid"


def test_confirmation_offers_confirm_first(dispatcher, case_db):
    slot = services.booking_client().free_slots("remote", "families", "sv")[0]
    tracker = make_tracker(
        "",
        "choose",
        language="sv",
        slots={
            "booking_kind": "remote",
            "booking_topic": "families",
            "booking_language": "sv",
            "booking_start": slot.key,
        },
    )
    run(ActionAskBookingConfirmed(), dispatcher, tracker, {})
    message = dispatcher.messages[-1]
    assert message["response"] == "utter_ask_booking_confirmed_remote"
    assert message["buttons"][0]["payload"] == "/affirm"


def done(dispatcher, slots):
    tracker = make_tracker("kyllä", "affirm", slots=slots)
    return run(ActionBookingDone(), dispatcher, tracker, {})


def test_a_confirmed_booking_is_made_with_the_phone_from_the_vault(dispatcher, case_db):
    slot = services.booking_client().free_slots("phone", "housing", "fi")[0]
    services.contact_vault().put("test-conversation", "+358 40 123 4567")
    events = done(
        dispatcher,
        {**PHONE_BOOKING, "booking_start": slot.key, "booking_phone": "<PHONE_NUMBER>", "booking_confirmed": True},
    )
    payload = dispatcher.messages[-1]["custom"]
    assert payload["type"] == "booking" and payload["start"] == slot.key and "phone" not in payload
    assert services.booking_client().find(payload["reference"]).phone == "+358401234567"
    assert services.contact_vault().peek("test-conversation") is None
    assert all(v is None for v in slots_of(events).values())
    # The customer booked it in the chat without staff: self-service, never the advisor's work.
    assert [(e["event_type"], e["actor"]) for e in services.event_log().list_events()] == [
        ("booking_made", "self_service")
    ]


def test_a_time_taken_meanwhile_goes_back_to_choosing(dispatcher, case_db):
    slot = services.booking_client().free_slots("remote", "housing", "fi")[0]
    services.booking_client().book(
        kind="remote",
        topic="housing",
        language="fi",
        start=slot.start,
        phone=None,
        point_id="example-point",
        channel="web",
    )
    events = done(
        dispatcher,
        {
            "booking_kind": "remote",
            "booking_topic": "housing",
            "booking_language": "fi",
            "booking_start": slot.key,
            "booking_confirmed": True,
        },
    )
    assert FollowupAction("booking_form") in events and SlotSet("booking_start", None) in events
    assert dispatcher.messages[-1]["response"] == "utter_booking_slot_taken"


# The contact vault keeps a number only while the booking form that asked for it is open.


@pytest.mark.parametrize(
    "intent, entities",
    [("choose", [entity("booking_choice", "cancel")]), ("deny", []), ("goodbye", []), ("request_human", [])],
)
def test_leaving_the_booking_forgets_the_number(dispatcher, case_db, intent, entities):
    services.contact_vault().put("test-conversation", "040 123 4567")
    got = validate(dispatcher, "x", intent, entities, slots=PHONE_BOOKING, requested="booking_phone")
    assert got["booking_cancelled"] and services.contact_vault().peek("test-conversation") is None


@pytest.mark.parametrize(
    "ending",
    [{"booking_cancelled": "customer"}, {"booking_cancelled": "handoff"}, {"booking_confirmed": None}],
)
def test_a_booking_that_ends_unbooked_forgets_the_number(dispatcher, case_db, ending):
    services.contact_vault().put("test-conversation", "040 123 4567")
    events = done(dispatcher, {**PHONE_BOOKING, "booking_phone": "<PHONE_NUMBER>", **ending})
    assert services.contact_vault().peek("test-conversation") is None
    assert all(v is None for v in slots_of(events).values())


def test_a_moved_booking_forgets_the_number(dispatcher, case_db):
    first, second = services.booking_client().free_slots("remote", "housing", "fi")[:2]
    booking = services.booking_client().book(
        kind="remote",
        topic="housing",
        language="fi",
        start=first.start,
        phone=None,
        point_id="example-point",
        channel="web",
    )
    services.contact_vault().put("test-conversation", "040 123 4567")
    done(
        dispatcher,
        {
            "booking_kind": "remote",
            "booking_topic": "housing",
            "booking_language": "fi",
            "booking_start": second.key,
            "booking_confirmed": True,
            "booking_reference": booking.reference,
        },
    )
    assert dispatcher.messages[-1]["response"] == "utter_booking_moved"
    assert services.contact_vault().peek("test-conversation") is None


def test_a_booking_that_goes_back_to_choosing_keeps_the_number(dispatcher, case_db):
    slot = services.booking_client().free_slots("phone", "housing", "fi")[0]
    services.booking_client().book(
        kind="phone",
        topic="housing",
        language="fi",
        start=slot.start,
        phone="+358401111111",
        point_id="example-point",
        channel="web",
    )
    services.contact_vault().put("test-conversation", "040 123 4567")
    events = done(
        dispatcher,
        {**PHONE_BOOKING, "booking_start": slot.key, "booking_phone": "<PHONE_NUMBER>", "booking_confirmed": True},
    )
    assert FollowupAction("booking_form") in events  # the form goes on, so the number waits for it
    assert services.contact_vault().peek("test-conversation") == "040 123 4567"


# Typed answers, another booking in the middle, and the language switch.


def asked(buttons):
    """History: the booking started and the bot's last turn showed `buttons`."""
    return [user_event("haluan varata ajan", "book_appointment"), bot_event(buttons=buttons)]


def shown_times(dispatcher, slots):
    events = run(ActionAskBookingStart(), dispatcher, make_tracker("", "choose", slots=slots), {})
    return dispatcher.messages[-1]["buttons"], slots_of(events)["booking_last_shown"]


def validate_typed(dispatcher, text, buttons, slots, requested, intent="nlu_fallback", language="fi"):
    tracker = make_tracker(
        text, intent, language=language, history=asked(buttons), slots={"requested_slot": requested, **slots}
    )
    return slots_of(run(ValidateBookingForm(), dispatcher, tracker, domain_responses()))


@pytest.mark.parametrize("text", ["keskeytä", "KESKEYTA", "avbryt", "Cancel"])
def test_cancel_typed_ends_the_booking(dispatcher, case_db, text):
    buttons, _ = shown_times(dispatcher, PHONE_BOOKING)
    got = validate_typed(dispatcher, text, buttons, PHONE_BOOKING, "booking_start")
    assert got["booking_cancelled"] == "customer" and got["requested_slot"] is None


def test_later_times_typed_pages_on_each_time(dispatcher, case_db):
    seen = []
    slots = dict(PHONE_BOOKING)
    for text in ("later times", "myöhemmät ajat", "Senare tider"):
        buttons, last = shown_times(dispatcher, slots)
        seen.append([b["payload"] for b in buttons if "booking_start" in b["payload"]])
        got = validate_typed(
            dispatcher,
            text,
            buttons,
            {**PHONE_BOOKING, "booking_last_shown": last},
            "booking_start",
            intent="change_booking",
        )
        assert got["booking_after"] == last and got["requested_slot"] == "booking_start"
        slots = {**PHONE_BOOKING, "booking_after": last}
    assert seen[0][-1] < seen[1][0] and seen[1][-1] < seen[2][0]


def test_a_time_label_typed_is_taken(dispatcher, case_db):
    buttons, _ = shown_times(dispatcher, PHONE_BOOKING)
    slot = services.booking_client().free_slots("phone", "housing", "fi")[1]
    label = slot_label(slot.start, "en", services.booking_config())
    got = validate_typed(dispatcher, label, buttons, PHONE_BOOKING, "booking_start")
    assert got["booking_start"] == slot.key and got["requested_slot"] == "booking_phone"


def test_confirm_typed_confirms(dispatcher, case_db):
    slots = {**PHONE_BOOKING, "booking_start": "2030-01-01T09:00:00+02:00", "booking_phone": "<PHONE_NUMBER>"}
    buttons = [
        button("Vahvista", intent="affirm"),
        button("Vaihda aika", booking_choice="change_time"),
        button("Keskeytä", booking_choice="cancel"),
    ]
    got = validate_typed(dispatcher, "bekräfta", buttons, slots, "booking_confirmed")
    assert got["booking_confirmed"] is True and got["requested_slot"] is None
    got = validate_typed(dispatcher, "change the time", buttons, slots, "booking_confirmed")
    assert got["booking_start"] is None and got["requested_slot"] == "booking_start"


def test_a_language_button_in_the_middle_keeps_the_service_language(dispatcher, case_db):
    language = [entity("language", "en")]
    got = validate(
        dispatcher, '/choose_language{"language":"en"}', "choose_language", language, PHONE_BOOKING, "booking_start"
    )
    assert got["booking_language"] == "fi" and got["requested_slot"] == "booking_start"
    assert [m["response"] for m in dispatcher.messages] == ["utter_booking_language_changed"]
    tracker = make_tracker("", "choose_language", language="en", slots=PHONE_BOOKING)
    run(ActionAskBookingStart(), dispatcher, tracker, {})
    assert dispatcher.messages[-1]["buttons"][-1]["title"] == "Cancel"
    assert dispatcher.messages[-1]["buttons"][-2]["title"] == "Later times"


def test_a_language_button_answers_the_language_question(dispatcher, case_db):
    slots = {"booking_kind": "phone", "booking_topic": "housing", "booking_language": "fi"}
    got = validate(
        dispatcher,
        '/choose_language{"language":"sv"}',
        "choose_language",
        [entity("language", "sv")],
        slots,
        "booking_language",
    )
    assert got["booking_language"] == "sv" and got["requested_slot"] == "booking_start"


def test_a_language_button_keeps_the_summary_language(dispatcher, case_db):
    slot = services.booking_client().free_slots("phone", "housing", "fi")[0]
    slots = {**PHONE_BOOKING, "booking_start": slot.key, "booking_phone": "<PHONE_NUMBER>"}
    got = validate(
        dispatcher,
        '/choose_language{"language":"en"}',
        "choose_language",
        [entity("language", "en")],
        slots,
        "booking_confirmed",
    )
    assert got["booking_language"] == "fi" and got["requested_slot"] == "booking_confirmed"
    run(ActionAskBookingConfirmed(), dispatcher, make_tracker("", "choose_language", language="en", slots=slots), {})
    assert dispatcher.messages[-1]["service_language"] == "Finnish"
    assert dispatcher.messages[-1]["buttons"][0]["title"] == "Confirm"


def test_cancelling_another_booking_in_the_middle_stops_this_one_and_asks_about_that_one(dispatcher, case_db):
    reference = [entity("booking_reference", "ABCD-2345")]
    got = validate(
        dispatcher, "I want to cancel my booking ABCD-2345", "cancel_booking", reference, PHONE_BOOKING, "booking_start"
    )
    assert got["booking_cancelled"] == "manage" and got["requested_slot"] is None
    assert got["booking_manage"] == "cancel" and got["booking_reference"] == "ABCD-2345"
    events = done(dispatcher, {**PHONE_BOOKING, **got})
    assert dispatcher.messages[-1]["response"] == "utter_booking_stopped_for_other"
    assert events[-1] == FollowupAction("manage_booking_form")
    after = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert after["booking_reference"] == "ABCD-2345" and after["booking_manage"] == "cancel"
    assert after["booking_kind"] is None and after["booking_start"] is None


def test_moving_another_booking_in_the_middle_does_the_same(dispatcher, case_db):
    got = validate(dispatcher, "siirrä aika EFGH-6789", "move_booking", [], PHONE_BOOKING, "booking_kind")
    assert got["booking_cancelled"] == "manage" and got["booking_manage"] == "move"


def test_cancel_my_booking_without_a_reference_says_what_stopped(dispatcher, case_db):
    got = validate(dispatcher, "haluan perua varauksen", "cancel_booking", [], PHONE_BOOKING, "booking_start")
    assert got["booking_cancelled"] == "other_booking"
    done(dispatcher, {**PHONE_BOOKING, **got})
    assert dispatcher.messages[-1]["response"] == "utter_booking_cancelled_other_booking"


def test_a_question_in_between_shows_the_same_later_times_again(dispatcher, case_db):
    first, last = shown_times(dispatcher, PHONE_BOOKING)
    later, _ = shown_times(dispatcher, {**PHONE_BOOKING, "booking_after": last})
    page = slots_of(
        run(
            ActionAskBookingStart(),
            dispatcher,
            make_tracker("", "choose", slots={**PHONE_BOOKING, "booking_after": last}),
            {},
        )
    )["booking_page"]
    assert page == last
    language = [entity("language", "en")]
    slots = {**PHONE_BOOKING, "booking_page": page}
    got = validate(dispatcher, '/choose_language{"language":"en"}', "choose_language", language, slots, "booking_start")
    assert got["booking_after"] == last
    again, _ = shown_times(dispatcher, {**PHONE_BOOKING, "booking_after": got["booking_after"]})
    assert [b["payload"] for b in again][:4] == [b["payload"] for b in later][:4] != [b["payload"] for b in first][:4]


def test_leaving_a_move_says_the_booking_stays(dispatcher, case_db):
    slot = services.booking_client().free_slots("remote", "housing", "fi")[0]
    booking = services.booking_client().book(
        kind="remote",
        topic="housing",
        language="fi",
        start=slot.start,
        phone=None,
        point_id="example-point",
        channel="web",
    )
    done(
        dispatcher, {"booking_kind": "remote", "booking_reference": booking.reference, "booking_cancelled": "customer"}
    )
    assert dispatcher.messages[-1]["response"] == "utter_booking_kept"
    assert services.booking_client().find(booking.reference).status == "booked"
