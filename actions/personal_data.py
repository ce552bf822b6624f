"""A customer offered personal data: say it is not needed, then answer what else they named."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.topics import answer


class ActionPersonalData(Action):
    """The notice first; a form or benefit named in the same message still gets its answer."""

    def name(self) -> str:
        return "action_personal_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        dispatcher.utter_message(response="utter_personal_data")
        return answer(dispatcher, tracker, intent=None) or []
