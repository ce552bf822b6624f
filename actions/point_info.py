"""Opening hours, address and what the service point can do, from catalogue/data/point.yml."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import language_of, latest_intent
from service_catalogue.views import numbered


def tell_point_info(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """What the point can do (ask_capabilities), else its address and hours."""
    cat, lang = services.catalogue(), language_of(tracker)
    point = cat.point
    if latest_intent(tracker) == "ask_capabilities":
        tasks = [cat.advisor_tasks[t]["name"][lang] for t in point["capabilities"]]
        dispatcher.utter_message(response="utter_capabilities", point=point["name"][lang], capabilities=numbered(tasks))
    else:
        remote = (point.get("remote_service_hours") or {}).get(lang, "")
        dispatcher.utter_message(
            response="utter_hours_location",
            point=point["name"][lang],
            address=point["address"][lang],
            opening_hours=point["opening_hours"][lang],
            remote_service_hours=remote,
        )


class ActionPointInfo(Action):
    """Answers ask_hours_location and ask_capabilities for this point."""

    def name(self) -> str:
        return "action_point_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        tell_point_info(dispatcher, tracker)
        return []
