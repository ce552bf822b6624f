"""Asks for the customer's feedback (1-5 and optional words) for the authority the conversation was about."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import entity_values, language_of
from actions.handoff import conversation_facts

# The point's own operator hears feedback when no authority's matter came up.
DEFAULT_AUTHORITY = "municipality"


def authority_concerned(tracker: Tracker) -> str:
    """The authority the customer names ("feedback for Kela"), else that of the latest matter discussed."""
    named = [a for a in entity_values(tracker, "authority") if a in services.catalogue().authorities]
    authority = named[0] if named else conversation_facts(tracker)["authority"]
    return authority if authority in services.catalogue().authorities else DEFAULT_AUTHORITY


class ActionFeedbackRequest(Action):
    """The request the web app turns into a 1-5 rating: `{"type": "feedback_request", "authority": ...}`."""

    def name(self) -> str:
        return "action_feedback_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        authority = authority_concerned(tracker)
        dispatcher.utter_message(
            response="utter_feedback_request",
            authority=services.catalogue().authorities[authority]["name"][language_of(tracker)],
            json_message={"type": "feedback_request", "authority": authority},
        )
        return []
