"""Books a Kela phone or remote appointment: the booking form, its questions and the booking."""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.booking_manage import MANAGE_INTENTS, reference_in_message
from actions.choices import as_pressed, button
from actions.common import entity_values, language_of, latest_intent, point_and_channel
from actions.handoff import hand_off
from actions.point_info import tell_point_info
from actions.service_events import record
from actions.topics import answer
from booking.client import SlotUnavailable
from booking.config import BookingConfig
from booking.phone import normalise_phone
from booking.views import slot_label, slot_labels
from privacy.redact import PHONE_PLACEHOLDER
from service_catalogue.loader import LANGUAGES

FORM_SLOTS = (
    "booking_kind",
    "booking_topic",
    "booking_language",
    "booking_start",
    "booking_phone",
    "booking_confirmed",
)
# Every slot the booking uses, cleared when a booking ends either way.
ALL_SLOTS = (
    *FORM_SLOTS,
    "booking_cancelled",
    "booking_after",
    "booking_last_shown",
    "booking_page",
    "booking_reference",
    "booking_manage",
    "booking_manage_confirmed",
)
KINDS = ("phone", "remote")
# Questions asked in the middle of a booking that have a short answer of their own.
SIDE_ANSWERS = {
    "bot_challenge": "utter_bot_challenge",
    "thank": "utter_thank",
    "personal_data": "utter_personal_data",
    "give_feedback": "utter_feedback",
}
# Intents that are about the booking itself: what they name changes the booking at any step.
BOOKING_INTENTS = {"book_appointment", "change_booking", "choose"}
LEAVE_INTENTS = {"goodbye", "deny", "cancel_booking"}
_DIGITS = re.compile(r"\d{5,}|\d+[\s-]\d+[\s-]\d+")


def cancel_button(lang: str) -> dict:
    """The last button of every booking question."""
    return button(services.booking_config().label("cancel", lang), booking_choice="cancel")


def parse_start(value: str | None) -> dt.datetime | None:
    """A slot start from a button payload or a slot, None when it is not a timestamp."""
    try:
        start = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return start if start.tzinfo else None


def filled(tracker: Tracker, slot: str) -> str:
    """A slot the booking form has filled before this step; a ValueError when it is empty."""
    value = tracker.get_slot(slot)
    if value is None:
        raise ValueError(f"{slot} is not filled")
    return str(value)


def filled_start(tracker: Tracker) -> dt.datetime:
    """The chosen time: validation only ever sets booking_start to a slot's start."""
    start = parse_start(tracker.get_slot("booking_start"))
    if start is None:
        raise ValueError("booking_start is not a time")
    return start


def topic_in_message(tracker: Tracker) -> str | None:
    """The Kela topic the latest message names: a topic word, a benefit or a life situation."""
    config, cat = services.booking_config(), services.catalogue()
    for topic in entity_values(tracker, "booking_topic"):
        if topic in config.topics:
            return topic
    found = cat.topic(latest_intent(tracker) or "")
    named_services = entity_values(tracker, "benefit") + ([found[1]["id"]] if found and found[0] == "service" else [])
    situations = entity_values(tracker, "life_situation") + (
        [found[1]["code"]] if found and found[0] == "life_situation" else []
    )
    for service in named_services:
        if config.topic_for(service_id=service):
            return config.topic_for(service_id=service)
    for code in situations:
        if config.topic_for(life_situation=code):
            return config.topic_for(life_situation=code)
    return None


def language_in_message(tracker: Tracker) -> str | None:
    """A service language named in the message or chosen with a button."""
    for value in entity_values(tracker, "booking_language") + entity_values(tracker, "language"):
        if value in LANGUAGES:
            return value
    return None


def still_free(kind: str, topic: str, language: str, start: dt.datetime) -> bool:
    """True when the slot starting at `start` can still be booked."""
    slots = services.booking_client().free_slots(kind, topic, language, after=start - dt.timedelta(seconds=1), limit=1)
    return bool(slots) and slots[0].start == start


def required(values: dict) -> list[str]:
    """The form's questions for this booking: no phone number for remote or a moved booking."""
    if values.get("booking_cancelled"):
        return []
    skip_phone = values.get("booking_kind") == "remote" or values.get("booking_reference")
    return [s for s in FORM_SLOTS if not (s == "booking_phone" and skip_phone)]


class BookingTurn:
    """What one customer message changes in a booking, and what to say about it."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker):
        self.dispatcher, self.tracker = dispatcher, tracker
        self.values = {s: tracker.get_slot(s) for s in ALL_SLOTS}
        self.updates: dict = {}
        self.requested = tracker.get_slot("requested_slot")
        self.intent = latest_intent(tracker)
        self.choice = next(iter(entity_values(tracker, "booking_choice")), None)

    def set(self, slot: str, value) -> None:
        """Change one slot for this turn."""
        self.updates[slot] = value
        self.values[slot] = value

    def choose_again(self) -> None:
        """A change that makes the chosen time (and its confirmation) void."""
        for slot in ("booking_start", "booking_confirmed", "booking_after", "booking_page"):
            self.set(slot, None)

    def declined_summary(self) -> bool:
        """A plain "no" to the booking summary."""
        return self.intent == "deny" and self.requested == "booking_confirmed"

    def leaving(self) -> str | None:
        """Why the customer leaves the booking, if they do.

        "manage": a request about another booking by its reference (cancel or move it), which
        stops this one; "other_booking": "cancel my booking" without a reference, which may mean
        either, so the answer says both what stopped and how to cancel an earlier booking.
        """
        if self.intent == "request_human":
            return "handoff"
        if self.choice == "cancel":
            return "customer"
        if self.requested and self.intent in MANAGE_INTENTS and reference_in_message(self.tracker):
            self.set("booking_manage", MANAGE_INTENTS[self.intent])
            self.set("booking_reference", reference_in_message(self.tracker))
            return "manage"
        if self.requested and self.intent == "cancel_booking":
            return "other_booking"
        # At the first question the message is the one that started the booking; "no" to the
        # summary means "not like this", so it offers the times again (with "cancel") instead.
        if self.requested and self.intent in LEAVE_INTENTS and not self.declined_summary():
            return "customer"
        return None

    def read_changes(self) -> bool:
        """Kind, topic, language, time, phone or confirmation from the message; True if any."""
        before = dict(self.updates)
        # Elsewhere a benefit or a kind named in passing is a question, not a change of booking.
        explicit = not self.requested or self.intent in BOOKING_INTENTS
        kind = next((k for k in entity_values(self.tracker, "appointment_kind") if k in KINDS), None)
        if kind and kind != self.values["booking_kind"] and (explicit or self.requested == "booking_kind"):
            self.set("booking_kind", kind)
            self.choose_again()
        topic = topic_in_message(self.tracker)
        if topic and topic != self.values["booking_topic"] and (explicit or self.requested == "booking_topic"):
            self.set("booking_topic", topic)
            self.choose_again()
        # The kiosk's language buttons change the conversation's language; the appointment's
        # language only when it is the question on screen.
        language = language_in_message(self.tracker)
        if self.intent == "choose_language":
            explicit = self.requested == "booking_language"
        if (
            language
            and language != self.values["booking_language"]
            and (explicit or self.requested == "booking_language")
        ):
            self.set("booking_language", language)
            self.choose_again()
        self.read_start()
        if self.choice == "later":
            self.set("booking_after", self.values["booking_last_shown"])
            self.set("booking_start", None)
        elif (
            self.choice == "change_time"
            or self.declined_summary()
            or (self.intent in ("change_booking", "move_booking") and self.updates == before)
        ):
            self.choose_again()
        self.read_phone()
        if self.requested == "booking_confirmed" and self.intent == "affirm" and self.updates == before:
            self.set("booking_confirmed", True)
        return self.updates != before

    def read_start(self) -> None:
        """A time pressed on a slot button, if it is still free."""
        start = next(filter(None, map(parse_start, entity_values(self.tracker, "booking_start"))), None)
        kind, topic, language = (self.values[s] for s in ("booking_kind", "booking_topic", "booking_language"))
        if start is None or not (kind and topic and language):
            return
        if still_free(kind, topic, language, start):
            self.set("booking_start", start.isoformat())
            self.set("booking_confirmed", None)
        else:
            self.dispatcher.utter_message(response="utter_booking_slot_taken")
            self.set("booking_start", None)

    def read_phone(self) -> None:
        """The number the channel put in the vault, when the message had one."""
        if self.values["booking_kind"] == "remote" or self.values["booking_reference"]:
            return
        text = (self.tracker.latest_message or {}).get("text") or ""
        if PHONE_PLACEHOLDER in text:
            if normalise_phone(services.contact_vault().peek(self.tracker.sender_id) or ""):
                self.set("booking_phone", PHONE_PLACEHOLDER)
                return
            self.dispatcher.utter_message(response="utter_booking_phone_invalid")
            self.set("booking_phone", None)
        elif self.requested == "booking_phone" and _DIGITS.search(text):
            self.dispatcher.utter_message(response="utter_booking_phone_invalid")
            self.set("booking_phone", None)

    def answer_aside(self) -> None:
        """A question asked in the middle: answer it, then the form asks its question again."""
        if self.intent == "choose_language":
            # The form asks its question again, now in the new language and with new buttons.
            self.dispatcher.utter_message(response="utter_booking_language_changed")
            return
        if self.intent in ("ask_hours_location", "ask_capabilities"):
            tell_point_info(self.dispatcher, self.tracker)
        elif self.intent in SIDE_ANSWERS:
            self.dispatcher.utter_message(response=SIDE_ANSWERS[self.intent])
        elif answer(self.dispatcher, self.tracker, self.intent, offer_more=False, may_hand_off=False) is None:
            self.dispatcher.utter_message(response="utter_booking_not_understood")
            return
        self.dispatcher.utter_message(response="utter_booking_back_to_booking")

    def events(self) -> list:
        """SlotSet events for the changes and the next question (None ends the form)."""
        next_slot = next((s for s in required(self.values) if self.values.get(s) is None), None)
        # The language is always set, so the form sees a filled slot and never rejects the turn.
        self.updates.setdefault("booking_language", self.values["booking_language"])
        return [SlotSet(k, v) for k, v in self.updates.items()] + [SlotSet("requested_slot", next_slot)]


class ValidateBookingForm(Action):
    """Reads every answer to the booking form, including asides, changes and cancelling."""

    def name(self) -> str:
        return "validate_booking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        # A button's label typed (in any language, any case) counts as the button pressed.
        tracker = as_pressed(tracker, domain)
        turn = BookingTurn(dispatcher, tracker)
        if not turn.values["booking_language"]:
            turn.set("booking_language", language_of(tracker))
        reason = turn.leaving()
        if reason:
            # The form ends here whatever follows (action_booking_done forgets it too).
            services.contact_vault().forget(tracker.sender_id)
            turn.set("booking_cancelled", reason)
            return turn.events()
        changed = turn.read_changes()
        if not turn.requested and not turn.values["booking_topic"]:
            situation = tracker.get_slot("life_situation")
            if situation and services.booking_config().topic_for(life_situation=situation):
                turn.set("booking_topic", services.booking_config().topic_for(life_situation=situation))
        if turn.requested and not changed:
            turn.answer_aside()
            turn.set(turn.requested, turn.values.get(turn.requested))
            if turn.requested == "booking_start" and tracker.get_slot("booking_page"):
                turn.set("booking_after", tracker.get_slot("booking_page"))
        return turn.events()


class ChoiceQuestion(Action, ABC):
    """A booking question answered with one button per choice, then "cancel"."""

    slot = ""  # the form slot asked for; the response is utter_ask_<slot>

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    @abstractmethod
    def choices(self, config: BookingConfig, lang: str) -> list[dict]:
        """The buttons of the choices, the forward one first."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language_of(tracker)
        buttons = [*self.choices(services.booking_config(), lang), cancel_button(lang)]
        dispatcher.utter_message(response=f"utter_ask_{self.slot}", buttons=buttons)
        return []


class ActionAskBookingKind(ChoiceQuestion):
    """Phone or remote, with a button for each."""

    slot = "booking_kind"

    def choices(self, config: BookingConfig, lang: str) -> list[dict]:
        return [button(config.kind_name(k, lang), appointment_kind=k) for k in KINDS]


class ActionAskBookingTopic(ChoiceQuestion):
    """Kela's topics, in catalogue order."""

    slot = "booking_topic"

    def choices(self, config: BookingConfig, lang: str) -> list[dict]:
        return [button(config.topic_name(t, lang), booking_topic=t) for t in config.topics]


class ActionAskBookingLanguage(ChoiceQuestion):
    """Service language, the conversation's own first."""

    slot = "booking_language"

    def choices(self, config: BookingConfig, lang: str) -> list[dict]:
        ordered = [lang] + [code for code in LANGUAGES if code != lang]
        return [button(config.language_name(code, lang), booking_language=code) for code in ordered]


class ActionAskBookingStart(Action):
    """The next free times as buttons, earliest first, then "later times" and "cancel"."""

    def name(self) -> str:
        return "action_ask_booking_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang, config = language_of(tracker), services.booking_config()
        kind, topic, service_language = (
            filled(tracker, s) for s in ("booking_kind", "booking_topic", "booking_language")
        )
        after = parse_start(tracker.get_slot("booking_after"))
        slots = services.booking_client().free_slots(kind, topic, service_language, after=after)
        response = "utter_booking_later_times" if after else "utter_ask_booking_start"
        if after and not slots:
            slots = services.booking_client().free_slots(kind, topic, service_language)
            response = "utter_booking_no_later_times"
        if not slots:
            dispatcher.utter_message(response="utter_booking_no_slots")
            return [SlotSet("booking_after", None)]
        buttons = [button(slot_label(s.start, lang, config), booking_start=s.key) for s in slots]
        buttons += [button(config.label("later_times", lang), booking_choice="later"), cancel_button(lang)]
        dispatcher.utter_message(response=response, buttons=buttons)
        # booking_page: where these times began, so that a question in between shows the same times again.
        page = after.isoformat() if after and response == "utter_booking_later_times" else None
        return [
            SlotSet("booking_last_shown", slots[-1].key),
            SlotSet("booking_page", page),
            SlotSet("booking_after", None),
        ]


class ActionAskBookingConfirmed(Action):
    """The booking to check, with "confirm" first, then "change time" and "cancel"."""

    def name(self) -> str:
        return "action_ask_booking_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang, config = language_of(tracker), services.booking_config()
        kind = filled(tracker, "booking_kind")
        buttons = [
            button(config.label("confirm", lang), intent="affirm"),
            button(config.label("change_time", lang), booking_choice="change_time"),
            cancel_button(lang),
        ]
        dispatcher.utter_message(
            response=f"utter_ask_booking_confirmed_{kind}",
            buttons=buttons,
            kind=config.kind_name(kind, lang),
            when=slot_label(filled_start(tracker), lang, config),
            topic=config.topic_name(filled(tracker, "booking_topic"), lang),
            service_language=config.language_name(filled(tracker, "booking_language"), lang),
            point=services.catalogue().point["name"][lang],
        )
        return []


def tell_booking(dispatcher: CollectingDispatcher, booking, lang: str, response: str) -> None:
    """The confirmation text and the `booking` payload in one message."""
    dispatcher.utter_message(
        response=response,
        json_message={**booking.payload(), "labels": slot_labels(booking.start, services.booking_config())},
        reference=booking.reference,
        when=slot_label(booking.start, lang, services.booking_config()),
        room=services.booking_config().room_name(booking.room, lang) if booking.room else "",
        point=services.catalogue().point["name"][lang],
    )


def cleared() -> list:
    """Events that forget everything about the booking that ended."""
    return [SlotSet(s, None) for s in ALL_SLOTS]


def ended(tracker: Tracker) -> list:
    """The booking form is over (booked, moved, cancelled, left): forget its slots and the typed number."""
    # The vault keeps a number only for the form that asked for it; the timer (KEEP_FOR) is the backstop.
    services.contact_vault().forget(tracker.sender_id)
    return cleared()


def choose_again(response: str, dispatcher: CollectingDispatcher, *slots: str) -> list:
    """Say what went wrong, empty the slots and return to the form."""
    dispatcher.utter_message(response=response)
    return [SlotSet(s, None) for s in slots] + [FollowupAction("booking_form")]


class ActionBookingDone(Action):
    """After the form: book (or move) the confirmed time, or say that nothing was booked."""

    def name(self) -> str:
        return "action_booking_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        values = {s: tracker.get_slot(s) for s in ALL_SLOTS}
        lang = language_of(tracker)
        if values["booking_cancelled"] == "handoff":
            return ended(tracker) + hand_off(dispatcher, tracker)
        if values["booking_cancelled"] == "manage":
            # The new booking stops; the earlier one is shown and confirmed before anything changes.
            dispatcher.utter_message(response="utter_booking_stopped_for_other")
            return [
                *ended(tracker),
                SlotSet("booking_reference", values["booking_reference"]),
                SlotSet("booking_manage", values["booking_manage"]),
                FollowupAction("manage_booking_form"),
            ]
        if values["booking_cancelled"] == "other_booking":
            dispatcher.utter_message(response="utter_booking_cancelled_other_booking")
            return ended(tracker)
        if values["booking_cancelled"] or not values["booking_confirmed"]:
            moving = (
                services.booking_client().find(values["booking_reference"]) if values["booking_reference"] else None
            )
            if moving:  # leaving a move keeps the booking as it was: say so, with its time
                when = slot_label(moving.start, lang, services.booking_config())
                dispatcher.utter_message(response="utter_booking_kept", reference=moving.reference, when=when)
            else:
                dispatcher.utter_message(response="utter_booking_cancelled")
            return ended(tracker)
        start = filled_start(tracker)
        try:
            if values["booking_reference"]:
                booking = services.booking_client().move(values["booking_reference"], start)
                tell_booking(dispatcher, booking, lang, "utter_booking_moved")
                record(tracker, "booking_moved", "kela", booking.language, actor="self_service")
                return ended(tracker)
            phone = None
            if values["booking_kind"] == "phone":
                phone = normalise_phone(services.contact_vault().peek(tracker.sender_id) or "")
                if not phone:
                    return choose_again("utter_booking_phone_expired", dispatcher, "booking_phone", "booking_confirmed")
            point, channel = point_and_channel(tracker)
            booking = services.booking_client().book(
                kind=filled(tracker, "booking_kind"),
                topic=filled(tracker, "booking_topic"),
                language=filled(tracker, "booking_language"),
                start=start,
                phone=phone,
                point_id=point,
                channel=channel,
            )
        except SlotUnavailable:
            return choose_again("utter_booking_slot_taken", dispatcher, "booking_start", "booking_confirmed")
        tell_booking(dispatcher, booking, lang, f"utter_booking_confirmed_{booking.kind}")
        record(tracker, "booking_made", "kela", booking.language, actor="self_service")
        return ended(tracker)
