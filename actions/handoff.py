"""Hands the customer to the point's advisor: stores the case and shows the ticket."""
from __future__ import annotations

import re
from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import catalogue, language_of, recent_metadata, tell_if_redacted
from store.cases import CaseStore

# Intents that say nothing about the customer's need, left out of the case summary.
SMALL_TALK = {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "choose_language",
              "personal_data", "nlu_fallback", "out_of_scope"}
CHANNELS = ("kiosk", "web")
_POINT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@lru_cache(maxsize=1)
def case_store() -> CaseStore:
    """The process's case store, opened on first use."""
    return CaseStore()


def conversation_facts(tracker: Tracker) -> dict:
    """Intents and payloads of the conversation: what the case may say, never the customer's words."""
    intents, services, forms, situation = [], [], [], None
    for event in tracker.events:
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if name and name not in SMALL_TALK and name not in intents:
                intents.append(name)
        custom = ((event.get("data") or {}).get("custom") or {}) if event.get("event") == "bot" else {}
        if custom.get("type") == "life_situation":
            situation = custom["code"]
            services += [s["id"] for s in custom["services"] if s["id"] not in services]
        elif custom.get("type") == "form" and custom["code"] not in forms:
            forms.append(custom["code"])
    return {"intents": intents, "services": services, "forms": forms, "life_situation": situation}


def summary_of(facts: dict) -> str:
    """A one-line summary from codes only, for the advisor's queue."""
    parts = [f"{key}: {', '.join(facts[key])}" for key in ("intents", "forms") if facts[key]]
    if facts["life_situation"]:
        parts.insert(0, f"life_situation: {facts['life_situation']}")
    return "; ".join(parts)


def point_and_channel(tracker: Tracker) -> tuple[str, str]:
    """The point and channel the conversation came from, checked; the catalogue's point by default."""
    point, channel = recent_metadata(tracker, "point"), recent_metadata(tracker, "channel")
    return (point if _POINT_ID.match(str(point)) else catalogue().point["id"],
            channel if channel in CHANNELS else "web")


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker,
             reason: str = "customer_request") -> list:
    """Store a handoff case for this conversation and show the customer their ticket."""
    facts = conversation_facts(tracker)
    point, channel = point_and_channel(tracker)
    case = case_store().create_case(
        point_id=point,
        conversation_id=tracker.sender_id,
        language=language_of(tracker),
        channel=channel,
        reason=reason,
        life_situation=facts["life_situation"],
        services=facts["services"],
        forms=facts["forms"],
        intents=facts["intents"],
        summary=summary_of(facts),
    )
    dispatcher.utter_message(response="utter_handoff", ticket=case["ticket"],
                             json_message={"type": "handoff", "ticket": case["ticket"],
                                           "reason": reason})
    return []


class ActionHandoff(Action):
    """Creates a handoff case and tells the customer their ticket."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        tell_if_redacted(dispatcher, tracker)
        return hand_off(dispatcher, tracker)
