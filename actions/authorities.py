"""Where an authority's offices are: an ended one's successors, else its own finder and what this point does."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import entity_values, language_of
from service_catalogue import views
from service_catalogue.loader import Catalogue, has_ended

HELSINKI = ZoneInfo("Europe/Helsinki")


def short_named(cat: Catalogue, text: str) -> list[str]:
    """Authorities whose short names ("ELY") the text says as whole words."""
    return [
        key
        for key, authority in cat.authorities.items()
        if any(
            re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
            for name in authority.get("short_names", [])
        )
    ]


def named_authority(cat: Catalogue, tracker: Tracker, today: dt.date) -> str | None:
    """The authority the message names; one that has ended comes first, since its name is what misleads.

    The lookup tables' entities first; a short name said as a word (such as "ELY" on its own) when they found none.
    """
    named = [a for a in entity_values(tracker, "authority") if a in cat.authorities]
    named = named or short_named(cat, (tracker.latest_message or {}).get("text") or "")
    ended = [a for a in named if has_ended(cat.authorities[a], today)]
    return next(iter(ended or named), None)


def tell_services_here(dispatcher: CollectingDispatcher, cat: Catalogue, authority_ids: list[str], lang: str) -> bool:
    """What this point's advisor helps with for these authorities; False when it has nothing to offer."""
    here = [s for a in authority_ids for s in views.services_here(cat, a)]
    if here:
        dispatcher.utter_message(
            response="utter_authority_here", services=views.bullets([s["name"][lang] for s in here])
        )
    return bool(here)


class ActionAuthority(Action):
    """Answers ask_authority (and a question about the point that names an authority)."""

    def name(self) -> str:
        return "action_authority"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        cat, lang = services.catalogue(), language_of(tracker)
        today = dt.datetime.now(HELSINKI).date()
        key = named_authority(cat, tracker, today)
        if key is None:
            dispatcher.utter_message(response="utter_ask_which_authority")
            return []
        authority = cat.authorities[key]
        if has_ended(authority, today):
            successors = cat.successors(key)
            dispatcher.utter_message(
                response="utter_authority_ended",
                succession=authority["succession"][lang],
                successors=views.reach_lines(successors, lang),
            )
            tell_services_here(dispatcher, cat, authority["successors"], lang)
            return []
        offices = authority.get("offices") or authority
        dispatcher.utter_message(
            response="utter_authority_offices", authority=authority["name"][lang], url=offices["url"][lang]
        )
        if not tell_services_here(dispatcher, cat, [key], lang):
            dispatcher.utter_message(response="utter_authority_not_here")
        return []
