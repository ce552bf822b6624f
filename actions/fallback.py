"""When the intent is unclear: answer from a form code or a named benefit, else ask again, then hand over."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import tell_if_redacted
from actions.handoff import hand_off
from actions.topics import answer

# Set when action_fallback found nothing to answer; only its presence in the previous turn matters.
MISSED = "fallback_missed"


def missed_previous_turn(tracker: Tracker) -> bool:
    """True when the turn before the latest message also ended in a fallback that found nothing."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    return any(
        e.get("event") == "slot" and e.get("name") == MISSED and e.get("value")
        for e in tracker.events[users[-2] : users[-1]]
    )


class ActionFallback(Action):
    """Low-confidence message: a recognised form code or benefit still gets its answer.

    The second message in a row that gives nothing to answer hands over (reason "repeated_fallback").
    """

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        tell_if_redacted(dispatcher, tracker)
        events = answer(dispatcher, tracker, intent=None)
        if events is not None:
            return events
        if missed_previous_turn(tracker):
            dispatcher.utter_message(response="utter_fallback_handoff")
            return [SlotSet(MISSED, None), *hand_off(dispatcher, tracker, reason="repeated_fallback")]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet(MISSED, True)]
