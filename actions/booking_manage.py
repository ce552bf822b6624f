"""Cancels or moves an earlier booking by its reference, after showing it and asking for a yes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.choices import as_pressed, button
from actions.common import entity_values, language_of, latest_intent
from actions.handoff import hand_off
from actions.service_events import record
from booking.client import Booking
from booking.views import slot_label

MANAGE_INTENTS = {"cancel_booking": "cancel", "move_booking": "move"}
STOP_INTENTS = {"deny", "goodbye", "request_human"}
# Answers to "shall I cancel / move this booking?" that leave it as it is.
NO_INTENTS = {"deny", "goodbye"}
# The form's slots, forgotten when it ends.
MANAGE_SLOTS = ("booking_reference", "booking_manage", "booking_manage_confirmed")
CONFIRM = "booking_manage_confirmed"
# A reference typed without the entity being found (lower case, spaces): ABCD-2345, abcd 2345.
# A lookahead, so that "peru ABCD-2345" is not read as "peru ABCD" and then nothing.
_REFERENCE = re.compile(r"(?=\b([A-Za-z2-9]{4})[\s-]?([A-Za-z2-9]{4})\b)")
# The written form first, so that a four-letter word before it ("aika 3G8D-QGNN") is not read as "AIKA-3G8D".
_HYPHENATED = re.compile(r"\b([A-Za-z2-9]{4})-([A-Za-z2-9]{4})\b")


def reference_in_message(tracker: Tracker) -> str | None:
    """The booking reference the latest message gives, upper case with its hyphen."""
    values = entity_values(tracker, "booking_reference")
    text = values[0] if values else (tracker.latest_message or {}).get("text") or ""
    # Every reference has a digit, so two ordinary words ("peru ajan") are never one.
    for match in [*_HYPHENATED.finditer(text), *_REFERENCE.finditer(text)]:
        if any(c.isdigit() for c in match.group(1) + match.group(2)):
            return f"{match.group(1)}-{match.group(2)}".upper()
    return None


def valid_booking(reference: str | None) -> Booking | None:
    """The booking with this reference if it can still be cancelled or moved (booked, not started)."""
    booking = services.booking_client().find(reference) if reference else None
    if booking is None or booking.status != "booked" or booking.start <= dt.datetime.now(dt.UTC):
        return None
    return booking


def stop(*events: dict) -> list[dict]:
    """End the form with nothing to do."""
    return [*events, *(SlotSet(s, None) for s in MANAGE_SLOTS), SlotSet("requested_slot", None)]


class ValidateManageBookingForm(Action):
    """Takes the reference, then a yes or no to the booking it names; asides are answered on the way."""

    def name(self) -> str:
        return "validate_manage_booking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        # A button's label typed (in any language, any case) counts as the button pressed.
        tracker = as_pressed(tracker, domain)
        intent, requested = latest_intent(tracker), tracker.get_slot("requested_slot")
        events = [SlotSet("booking_manage", MANAGE_INTENTS[intent])] if intent in MANAGE_INTENTS else []
        reference = reference_in_message(tracker)
        asked = requested == CONFIRM
        if reference and not (asked and reference == tracker.get_slot("booking_reference")):
            # A reference that does not exist ends the form; action_manage_booking says so.
            found = valid_booking(reference)
            return [
                *events,
                SlotSet("booking_reference", reference),
                SlotSet(CONFIRM, None),
                SlotSet("requested_slot", CONFIRM if found else None),
            ]
        if requested and intent == "request_human":
            return stop(*events)
        if asked and (intent == "affirm" or intent in MANAGE_INTENTS):
            return [*events, SlotSet(CONFIRM, True), SlotSet("requested_slot", None)]
        if asked and (intent in NO_INTENTS or "cancel" in entity_values(tracker, "booking_choice")):
            return [*events, SlotSet(CONFIRM, False), SlotSet("requested_slot", None)]
        if requested == "booking_reference" and intent in STOP_INTENTS:
            return stop(*events)
        if intent == "choose_language":
            # The form asks its question again, now in the new language and with new buttons.
            dispatcher.utter_message(response="utter_booking_language_changed")
        elif asked:
            dispatcher.utter_message(response="utter_booking_not_understood")
        slot = CONFIRM if asked else "booking_reference"
        return [*events, SlotSet(slot, None), SlotSet("requested_slot", slot)]


class ActionAskBookingManageConfirmed(Action):
    """Shows the booking the reference names (time, kind, topic) and asks whether to cancel or move it."""

    def name(self) -> str:
        return "action_ask_booking_manage_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang, config = language_of(tracker), services.booking_config()
        booking = valid_booking(tracker.get_slot("booking_reference"))
        if booking is None:  # cancelled meanwhile (by the advisor, or in another window)
            # The yes that follows finds no booking either, and says so again.
            dispatcher.utter_message(
                response="utter_booking_reference_unknown", reference=tracker.get_slot("booking_reference")
            )
            return []
        manage = "move" if tracker.get_slot("booking_manage") == "move" else "cancel"
        yes = "move_booking" if manage == "move" else "cancel_booking"
        dispatcher.utter_message(
            response=f"utter_ask_booking_manage_confirmed_{manage}",
            buttons=[
                button(config.label(yes, lang), intent="affirm"),
                button(config.label("keep_booking", lang), intent="deny"),
            ],
            reference=booking.reference,
            when=slot_label(booking.start, lang, config),
            kind=config.kind_name(booking.kind, lang),
            topic=config.topic_name(booking.topic, lang),
            service_language=config.language_name(booking.language, lang),
        )
        return []


class ActionManageBooking(Action):
    """After a yes: cancels the booking, or reopens the booking form to choose its new time."""

    def name(self) -> str:
        return "action_manage_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reference, manage = tracker.get_slot("booking_reference"), tracker.get_slot("booking_manage")
        lang = language_of(tracker)
        if not reference:
            if latest_intent(tracker) == "request_human":
                return hand_off(dispatcher, tracker)
            dispatcher.utter_message(response="utter_how_can_i_help")
            return stop()
        booking = valid_booking(reference)
        if booking is None:
            dispatcher.utter_message(response="utter_booking_reference_unknown", reference=reference)
            return stop()
        when = slot_label(booking.start, lang, services.booking_config())
        if not tracker.get_slot(CONFIRM):
            dispatcher.utter_message(response="utter_booking_kept", reference=booking.reference, when=when)
            return stop()
        if manage == "move":
            dispatcher.utter_message(response="utter_booking_moving", reference=booking.reference, when=when)
            return [
                SlotSet("booking_kind", booking.kind),
                SlotSet("booking_topic", booking.topic),
                SlotSet("booking_language", booking.language),
                SlotSet("booking_manage", None),
                SlotSet(CONFIRM, None),
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
        record(tracker, "booking_cancelled", "kela", booking.language, actor="self_service")
        return stop()
