"""When the intent is unclear: answer from a form code or a named benefit, else ask again, then hand over."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.choices import applied_events, reread_as_pressed
from actions.common import tell_if_redacted
from actions.handoff import offer_advisor
from actions.topics import answer

# Set when action_fallback found nothing to answer; only its presence in the previous turn matters.
MISSED = "fallback_missed"


def missed_previous_turn(tracker: Tracker) -> bool:
    """True when the turn before the latest message also ended in a fallback that found nothing."""
    events = applied_events(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    return any(
        e.get("event") == "slot" and e.get("name") == MISSED and e.get("value") for e in events[users[-2] : users[-1]]
    )


class ActionFallback(Action):
    """Low-confidence message: a recognised form code or benefit still gets its answer.

    A button's label typed is read as the button pressed. The second message in a row that gives
    nothing to answer offers the advisor (reason "repeated_fallback" on yes).
    """

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        typed = reread_as_pressed(tracker, domain)
        if typed is not None:
            return typed
        tell_if_redacted(dispatcher, tracker)
        events = answer(dispatcher, tracker, intent=None)
        if events is not None:
            return events
        if missed_previous_turn(tracker):
            return [
                SlotSet(MISSED, None),
                *offer_advisor(dispatcher, tracker, "utter_advisor_offer_fallback", reason="repeated_fallback"),
            ]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet(MISSED, True)]
