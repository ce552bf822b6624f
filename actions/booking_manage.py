"""Cancels or moves an earlier booking by its reference."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import entity_values, language_of, latest_intent
from actions.handoff import hand_off
from actions.service_events import record
from booking.views import slot_label

MANAGE_INTENTS = {"cancel_booking": "cancel", "move_booking": "move"}
STOP_INTENTS = {"deny", "goodbye", "request_human"}
# A reference typed without the entity being found (lower case, spaces): ABCD-2345, abcd 2345.
# A lookahead, so that "peru ABCD-2345" is not read as "peru ABCD" and then nothing.
_REFERENCE = re.compile(r"(?=\b([A-Za-z2-9]{4})[\s-]?([A-Za-z2-9]{4})\b)")


def reference_in_message(tracker: Tracker) -> str | None:
    """The booking reference the latest message gives, upper case with its hyphen."""
    values = entity_values(tracker, "booking_reference")
    text = values[0] if values else (tracker.latest_message or {}).get("text") or ""
    # Every reference has a digit, so two ordinary words ("peru ajan") are never one.
    for match in _REFERENCE.finditer(text):
        if any(c.isdigit() for c in match.group(1) + match.group(2)):
            return f"{match.group(1)}-{match.group(2)}".upper()
    return None


class ValidateManageBookingForm(Action):
    """Takes the reference from the message, or asks for it until the customer gives up."""

    def name(self) -> str:
        return "validate_manage_booking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        events = []
        if intent in MANAGE_INTENTS:
            events.append(SlotSet("booking_manage", MANAGE_INTENTS[intent]))
        reference = reference_in_message(tracker)
        if reference:
            return [*events, SlotSet("booking_reference", reference), SlotSet("requested_slot", None)]
        if tracker.get_slot("requested_slot") and intent in STOP_INTENTS:
            return [
                *events,
                SlotSet("booking_reference", None),
                SlotSet("booking_manage", None),
                SlotSet("requested_slot", None),
            ]
        return [*events, SlotSet("booking_reference", None), SlotSet("requested_slot", "booking_reference")]


class ActionManageBooking(Action):
    """Cancels the booking, or reopens the booking form to choose its new time."""

    def name(self) -> str:
        return "action_manage_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reference, manage = tracker.get_slot("booking_reference"), tracker.get_slot("booking_manage")
        lang = language_of(tracker)
        if not reference:
            if latest_intent(tracker) == "request_human":
                return hand_off(dispatcher, tracker)
            dispatcher.utter_message(response="utter_how_can_i_help")
            return [SlotSet("booking_manage", None)]
        booking = services.booking_client().find(reference)
        if booking is None or booking.status != "booked":
            dispatcher.utter_message(response="utter_booking_reference_unknown", reference=reference)
            return [SlotSet("booking_reference", None), SlotSet("booking_manage", None)]
        when = slot_label(booking.start, lang, services.booking_config())
        if manage == "move":
            dispatcher.utter_message(response="utter_booking_moving", reference=booking.reference, when=when)
            return [
                SlotSet("booking_kind", booking.kind),
                SlotSet("booking_topic", booking.topic),
                SlotSet("booking_language", booking.language),
                SlotSet("booking_manage", None),
                SlotSet("booking_start", None),
                SlotSet("booking_confirmed", None),
                FollowupAction("booking_form"),
            ]
        services.booking_client().cancel(booking.reference)
        # No booking form follows a cancellation: no number may wait for one.
        services.contact_vault().forget(tracker.sender_id)
        dispatcher.utter_message(
            response="utter_booking_cancelled_by_reference", reference=booking.reference, when=when
        )
        record(tracker, "booking_cancelled", "kela", booking.language)
        return [SlotSet("booking_reference", None), SlotSet("booking_manage", None)]
