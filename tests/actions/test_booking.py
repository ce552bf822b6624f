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
from actions.booking_manage import ActionManageBooking, ValidateManageBookingForm, reference_in_message
from tests.actions.conftest import make_tracker, run

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


def test_cancel_by_reference(dispatcher, case_db):
    slot = services.booking_client().free_slots("remote", "studies", "en")[0]
    booking = services.booking_client().book(
        kind="remote",
        topic="studies",
        language="en",
        start=slot.start,
        phone=None,
        point_id="example-point",
        channel="web",
    )
    tracker = make_tracker(f"cancel {booking.reference.lower()}", "cancel_booking")
    got = slots_of(run(ValidateManageBookingForm(), dispatcher, tracker, {}))
    assert got == {"booking_manage": "cancel", "booking_reference": booking.reference, "requested_slot": None}
    run(ActionManageBooking(), dispatcher, make_tracker("", "cancel_booking", slots=got), {})
    assert services.booking_client().find(booking.reference).status == "cancelled"
    assert dispatcher.messages[-1]["response"] == "utter_booking_cancelled_by_reference"


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


def test_cancel_by_reference_forgets_any_number(dispatcher, case_db):
    slot = services.booking_client().free_slots("remote", "studies", "en")[0]
    booking = services.booking_client().book(
        kind="remote",
        topic="studies",
        language="en",
        start=slot.start,
        phone=None,
        point_id="example-point",
        channel="web",
    )
    services.contact_vault().put("test-conversation", "040 123 4567")
    slots = {"booking_manage": "cancel", "booking_reference": booking.reference}
    run(ActionManageBooking(), dispatcher, make_tracker("", "cancel_booking", slots=slots), {})
    assert services.booking_client().find(booking.reference).status == "cancelled"
    assert services.contact_vault().peek("test-conversation") is None


@pytest.mark.parametrize(
    "text, found",
    [
        ("peru ABCD-2345", "ABCD-2345"),
        ("avboka abcd 2345", "ABCD-2345"),
        ("peru varaus", None),
        ("peruutus on tehty", None),
    ],
)
def test_reference_in_message(text, found):
    assert reference_in_message(make_tracker(text, "cancel_booking")) == found
