"""Hands the customer to the point's advisor: stores the case and shows the ticket, or another route."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.choices import set_in_previous_turn
from actions.common import language_of, latest_intent, point_and_channel, tell_if_redacted
from booking.client import REFERENCE_ALPHABET
from booking.hours import point_is_open
from service_catalogue.loader import Catalogue
from service_catalogue.views import channels_text

__all__ = ["conversation_facts", "hand_off", "offer_advisor", "point_and_channel", "point_is_open"]

# Intents that say nothing about the customer's need, left out of the case summary.
SMALL_TALK = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "choose_language",
    "personal_data",
    "nlu_fallback",
    "out_of_scope",
    "choose",
}
# Slot: the advisor the bot offered in its last turn, "<reason>" or "<reason>:<service id>".
OFFER = "advisor_offer"
# Channels a web customer can use instead of a live chat (the point's own desk is not one of them).
REMOTE_CHANNELS = ("online", "phone")
# What a case may name: intent names as the domain spells them, catalogue codes, booking references
# as the booking client makes them. Anything else in a tracker (a forged one, or a payload of an
# older release) is left out, so the advisor's queue never shows free text.
INTENT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
FORM_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .-]{0,15}")  # a catalogue code or its language variant
REFERENCE = re.compile(f"[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}")


def conversation_facts(tracker: Tracker) -> dict[str, Any]:
    """Intents and payloads of the conversation: what the case may say, never the customer's words.

    `authority` is the authority of the latest service, form, life situation or booking discussed.
    """
    cat = services.catalogue()
    facts: dict[str, Any] = {
        "intents": [],
        "services": [],
        "forms": [],
        "bookings": [],
        "life_situation": None,
        "authority": None,
    }

    def add(key: str, value: str | None) -> None:
        if value and value not in facts[key]:
            facts[key].append(value)

    def known(entries: dict[str, dict], value: Any) -> str | None:
        return value if isinstance(value, str) and value in entries else None

    for event in tracker.events:
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if isinstance(name, str) and INTENT_NAME.fullmatch(name) and name not in SMALL_TALK:
                add("intents", name)
            found = cat.topic(name) if isinstance(name, str) else None
            if found and found[0] == "service":
                add("services", found[1]["id"])
                facts["authority"] = found[1]["authority"]
        data = event.get("data") if event.get("event") == "bot" else None
        custom = data.get("custom") if isinstance(data, dict) else None
        if not isinstance(custom, dict):
            continue
        if custom.get("type") == "life_situation":
            facts["life_situation"] = known(cat.life_situations, custom.get("code"))
            steps = [
                s for s in custom.get("services") or [] if isinstance(s, dict) and known(cat.services, s.get("id"))
            ]
            for service in steps:
                add("services", service["id"])
            facts["authority"] = next(
                (s["authority"] for s in steps if known(cat.authorities, s.get("authority"))), facts["authority"]
            )
        elif custom.get("type") == "form":
            code = custom.get("code")
            add("forms", code if isinstance(code, str) and FORM_CODE.fullmatch(code) and cat.form(code) else None)
            facts["authority"] = known(cat.authorities, custom.get("authority")) or facts["authority"]
        elif custom.get("type") == "booking":
            reference = custom.get("reference")
            add("bookings", reference if isinstance(reference, str) and REFERENCE.fullmatch(reference) else None)
            facts["authority"] = "kela"  # only Kela appointments are booked here
    return facts


def unavailable_because(point: str, now: dt.datetime | None = None) -> str | None:
    """Why a web customer cannot chat with an advisor now ("closed", "no_advisor"), None if they can."""
    if not point_is_open(services.catalogue(), now):
        return "closed"
    if not services.case_store().on_duty(point, now=now):
        return "no_advisor"
    return None


def contact_route(cat: Catalogue, facts: dict, lang: str) -> str:
    """The point's phone and e-mail; without them the online and phone channels of what was discussed."""
    own = [value for value in (cat.point.get("phone"), cat.point.get("email")) if value]
    if own:
        return "\n".join(f"• {value}" for value in own)
    service = next((cat.services[s] for s in reversed(facts["services"]) if s in cat.services), None)
    if service:
        remote = {**service, "channels": [c for c in service["channels"] if c["type"] in REMOTE_CHANNELS]}
        if remote["channels"]:
            return channels_text(cat, remote, lang)
    authorities = (
        [facts["authority"]]
        if facts["authority"] in cat.authorities
        # Authorities the catalogue has services of: the successors of ended ones only answer questions.
        else [a for a in cat.authorities if any(s["authority"] == a for s in cat.services.values())]
    )
    return "\n".join(f"• {cat.authorities[a]['name'][lang]}: {cat.authorities[a]['url'][lang]}" for a in authorities)


def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str = "customer_request",
    service: str | None = None,
    now: dt.datetime | None = None,
) -> list:
    """Store a handoff case and show the ticket; on the web only when an advisor can chat now."""
    facts = conversation_facts(tracker)
    if service and service not in facts["services"]:
        facts["services"].append(service)
    point, channel = point_and_channel(tracker)
    lang, cat = language_of(tracker), services.catalogue()
    if channel == "web":
        why = unavailable_because(point, now)
        if why:
            dispatcher.utter_message(
                response=f"utter_handoff_unavailable_{why}",
                point=cat.point["name"][lang],
                opening_hours=cat.point["opening_hours"][lang],
                contact=contact_route(cat, facts, lang),
                json_message={"type": "handoff_unavailable", "reason": why},
            )
            return []
    case = services.case_store().open_case_for(tracker.sender_id)
    if case is None and services.case_store().waiting(point, now) >= services.handoff_queue_limit():
        # The same limit as the web app's direct handoff (HANDOFF_QUEUE_LIMIT): no ticket beyond it.
        dispatcher.utter_message(
            response="utter_handoff_queue_full", json_message={"type": "handoff_unavailable", "reason": "queue_full"}
        )
        return []
    if case is None:
        case = services.case_store().create_case(
            point_id=point,
            conversation_id=tracker.sender_id,
            language=lang,
            channel=channel,
            reason=reason,
            life_situation=facts["life_situation"],
            services=facts["services"],
            forms=facts["forms"],
            bookings=facts["bookings"],
            intents=facts["intents"],
            # No coded summary line: the dashboard names the codes above in the advisor's language.
            summary="",
            now=now,
        )
    dispatcher.utter_message(
        response="utter_handoff_live" if channel == "web" else "utter_handoff",
        ticket=case["ticket"],
        json_message={"type": "handoff", "ticket": case["ticket"], "reason": case["reason"], "live": True},
    )
    return []


def offer_advisor(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    response: str,
    reason: str,
    service: str | None = None,
    **values: Any,
) -> list:
    """A handoff the assistant guessed: ask first (yes / no buttons in `response`); the case waits for a yes.

    Where no ticket can be made now (the web while closed or nobody is on duty) there is nothing to ask:
    hand_off says so and offers the other routes.
    """
    point, channel = point_and_channel(tracker)
    if channel == "web" and unavailable_because(point):
        return hand_off(dispatcher, tracker, reason=reason, service=service)
    dispatcher.utter_message(response=response, **values)
    return [offer_slot(reason, service)]


def offer_slot(reason: str, service: str | None) -> dict[str, Any]:
    """The `advisor_offer` slot for an offer on screen ("<reason>:<service>"), read back by pending_offer."""
    return SlotSet(OFFER, f"{reason}:{service or ''}")


def pending_offer(tracker: Tracker) -> tuple[str, str | None] | None:
    """The reason and service of the advisor offered in the bot's last turn, None if it offered none."""
    offer = set_in_previous_turn(tracker, OFFER)
    if not isinstance(offer, str) or not offer:
        return None
    reason, _, service = offer.partition(":")
    return reason, service or None


class ActionHandoff(Action):
    """Creates a handoff case and tells the customer their ticket."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        tell_if_redacted(dispatcher, tracker)
        # "Call the advisor" in words, right after the advisor was offered, accepts that offer.
        reason, service = pending_offer(tracker) or ("customer_request", None)
        return [SlotSet(OFFER, None), *hand_off(dispatcher, tracker, reason=reason, service=service)]


class ActionAnswerOffer(Action):
    """Yes or no: to the advisor offered in the last turn, else "how can I help"."""

    def name(self) -> str:
        return "action_answer_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        offer = pending_offer(tracker)
        if offer is None:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        if latest_intent(tracker) == "affirm":
            return [SlotSet(OFFER, None), *hand_off(dispatcher, tracker, reason=offer[0], service=offer[1])]
        dispatcher.utter_message(response="utter_advisor_offer_declined")
        return [SlotSet(OFFER, None)]


class ActionLanguageChanged(Action):
    """The language changed: say so, and ask again about an advisor offered in the last turn.

    A language button clears the old language's buttons from the screen, so the offer would be lost.
    """

    def name(self) -> str:
        return "action_language_changed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        offer = pending_offer(tracker)
        if offer is None:
            dispatcher.utter_message(response="utter_language_changed")
            return []
        dispatcher.utter_message(response="utter_language_changed_offer")
        return [offer_slot(*offer)]
