"""Answers a life situation, a service or a form request from the catalogue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import entity_values, language_of, latest_intent, tell_if_redacted
from actions.handoff import offer_advisor
from actions.service_events import forms_shown, record
from service_catalogue import views
from service_catalogue.loader import Catalogue


def resolve(cat: Catalogue, intent: str | None, tracker: Tracker) -> tuple[str, dict[str, Any]] | None:
    """What the message asks about: a form code first, then the topic intent, then entities.

    The kind is "form", "service", "life_situation" or "unknown_form" (its entry: {"code": the code typed}).
    """
    codes = entity_values(tracker, "form_code")
    if codes:
        form = cat.form(codes[0])
        return ("form", form) if form else ("unknown_form", {"code": codes[0]})
    topic = cat.topic(intent or "")
    if topic:
        return topic
    for service_id in entity_values(tracker, "benefit"):
        if service_id in cat.services:
            return "service", cat.services[service_id]
    for code in entity_values(tracker, "life_situation"):
        if code in cat.life_situations:
            return "life_situation", cat.life_situations[code]
    return None


def show_form(dispatcher: CollectingDispatcher, tracker: Tracker, form: dict, lang: str) -> None:
    """One form card (text and the `form` payload), recorded as shown by the assistant once per conversation."""
    payload = views.form_payload(form, lang, services.catalogue().authorities.get(form["authority"]))
    # A card shown again (a second tap, a service listing it too) is the same piece of work, not a new one.
    first_time = form["code"] not in forms_shown(tracker, dispatcher)
    dispatcher.utter_message(
        response="utter_form_card" if services.catalogue().received_here(form) else "utter_form_card_elsewhere",
        code=payload["variant"],
        title=payload["title"],
        returned_to=payload["returned_to"],
        json_message=payload,
    )
    if first_time:
        record(tracker, "form_shown", form["authority"], lang, service=form["code"], actor="assistant")


def show_service(dispatcher: CollectingDispatcher, tracker: Tracker, cat: Catalogue, service: dict, lang: str) -> None:
    """A service's description and channels, then a card for each of its forms."""
    dispatcher.utter_message(
        response="utter_service",
        name=service["name"][lang],
        description=service["description"][lang],
        channels=views.channels_text(cat, service, lang),
    )
    for code in service["forms"]:
        show_form(dispatcher, tracker, cat.forms[code], lang)


def tasks_missing_here(cat: Catalogue, service: dict) -> list[str]:
    """The service's advisor tasks that this point does not offer (point.yml `capabilities`)."""
    return [t for t in service["advisor_tasks"] if t not in cat.point["capabilities"]]


def call_advisor_for(
    dispatcher: CollectingDispatcher, tracker: Tracker, cat: Catalogue, service: dict, lang: str
) -> list:
    """After a needs_advisor service: offer the advisor (guessed from words: ask first), or say where to go."""
    missing = tasks_missing_here(cat, service)
    if missing:
        dispatcher.utter_message(
            response="utter_not_at_this_point", tasks=", ".join(cat.advisor_tasks[t]["name"][lang] for t in missing)
        )
        return []
    return offer_advisor(
        dispatcher,
        tracker,
        "utter_advisor_offer_service",
        reason="needs_advisor",
        service=service["id"],
        name=service["name"][lang],
    )


def show_life_situation(
    dispatcher: CollectingDispatcher, tracker: Tracker, cat: Catalogue, situation: dict, lang: str
) -> None:
    """The checklist of a life situation, in the order the customer should act, with its forms' cards: each
    recorded as shown by the assistant once per conversation, as a card shown alone is."""
    payload = views.life_situation_payload(cat, situation, lang)
    already = forms_shown(tracker, dispatcher)
    dispatcher.utter_message(
        response="utter_life_situation",
        title=payload["title"],
        steps=views.numbered([s["note"] for s in payload["services"]]),
        json_message=payload,
    )
    for form in payload["forms"]:
        if form["code"] not in already:
            record(tracker, "form_shown", form["authority"], lang, service=form["code"], actor="assistant")


def answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    intent: str | None,
    offer_more: bool = True,
    may_hand_off: bool = True,
) -> list | None:
    """Show what the message resolves to and return the events; None when it resolves to nothing.

    A service only the advisor can do (`needs_advisor`) calls the advisor unless `may_hand_off` is False.
    """
    cat, lang = services.catalogue(), language_of(tracker)
    found = resolve(cat, intent, tracker)
    if found is None:
        return None
    kind, entry = found
    if kind == "unknown_form":
        dispatcher.utter_message(response="utter_form_unknown", code=entry["code"])
        return []
    events = []
    if kind == "form":
        show_form(dispatcher, tracker, entry, lang)
    elif kind == "service":
        show_service(dispatcher, tracker, cat, entry, lang)
        if entry["needs_advisor"] and may_hand_off:
            return call_advisor_for(dispatcher, tracker, cat, entry, lang)
    else:
        show_life_situation(dispatcher, tracker, cat, entry, lang)
        events = [SlotSet("life_situation", entry["code"])]
    if offer_more:
        dispatcher.utter_message(response="utter_more_help")
    return events


def answer_or(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str | None, otherwise: str) -> list:
    """The personal-data notice if anything was removed, the answer, or the `otherwise` response."""
    tell_if_redacted(dispatcher, tracker)
    events = answer(dispatcher, tracker, intent)
    if events is None:
        dispatcher.utter_message(response=otherwise)
    return events or []


class ActionShowTopic(Action):
    """Life situation, service or form, whichever the customer asked about."""

    def name(self) -> str:
        return "action_show_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return answer_or(dispatcher, tracker, latest_intent(tracker), otherwise="utter_which_form")
