"""When the intent is unclear: answer from a form code or a named benefit, else ask again."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import tell_if_redacted
from actions.topics import answer


class ActionFallback(Action):
    """Low-confidence message: a recognised form code or benefit still gets its answer."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        tell_if_redacted(dispatcher, tracker)
        events = answer(dispatcher, tracker, intent=None)
        if events is None:
            dispatcher.utter_message(response="utter_default")
        return events or []
