"""When the intent is unclear: answer from a form code or a named benefit, else ask again."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.topics import answer_or


class ActionFallback(Action):
    """Low-confidence message: a recognised form code or benefit still gets its answer."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        return answer_or(dispatcher, tracker, intent=None, otherwise="utter_default")
