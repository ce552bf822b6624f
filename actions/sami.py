"""A Sámi speaker: one greeting in their Sámi language, then the routes to service in Sámi (catalogue/data/sami.yml)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import entity_values, language_of
from service_catalogue import views


def sami_variant(tracker: Tracker) -> str | None:
    """The customer's Sámi language: a name they typed (entity `sami`), else what the language identifier heard."""
    known = {language["id"] for language in services.catalogue().sami["languages"]}
    for value in entity_values(tracker, "sami"):
        if value in known:
            return value
    heard = ((tracker.latest_message or {}).get("language_id") or {}).get("sami")
    return heard if heard in known else None


class ActionSami(Action):
    """Answers sami_language in the conversation's language, with a greeting in the customer's Sámi language."""

    def name(self) -> str:
        return "action_sami"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        cat, lang, variant = services.catalogue(), language_of(tracker), sami_variant(tracker)
        routes = views.sami_routes(cat, variant, lang)
        dispatcher.utter_message(
            response="utter_sami",
            greeting=views.sami_greeting(cat, variant),
            routes=views.bullets([route["text"] for route in routes]),
        )
        return []
