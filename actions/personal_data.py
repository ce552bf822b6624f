"""A customer offered personal data: say it is not needed, then answer what else they named."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.topics import answer


class ActionPersonalData(Action):
    """The notice first; a form or benefit named in the same message still gets its answer."""

    def name(self) -> str:
        return "action_personal_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_personal_data")
        return answer(dispatcher, tracker, intent=None) or []
