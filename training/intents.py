"""Human names of the intents, in the editor's language: the catalogue's for its services and life
situations, the UI texts' (kiosk_ui/i18n/intents.*.yml) for the rest, the raw name as a last resort."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk_ui.texts import Texts
    from service_catalogue.loader import Catalogue

BOOKING = frozenset({"book_appointment", "cancel_booking", "move_booking", "change_booking", "choose"})
KINDS = ("general", "booking", "life_situation", "service")


def intent_names(lang: str, catalogue: Catalogue, texts: Texts) -> dict[str, str]:
    """Intent -> its name in `lang`, for every intent the catalogue or the texts name."""
    names = dict(texts(lang)["intents"]["names"])
    for intent, (_kind, entry) in catalogue.by_intent.items():
        names[intent] = entry["name"][lang]
    return names


def intent_name(intent: str, names: dict[str, str]) -> str:
    """The human name, or the raw name of an intent nobody has named yet (a new one in nlu_data/)."""
    return names.get(intent, intent)


def intent_kind(intent: str, catalogue: Catalogue) -> str:
    """Which group of KINDS the editors' list shows the intent in."""
    topic = catalogue.topic(intent)
    if topic is not None:
        return topic[0]
    return "booking" if intent in BOOKING else "general"
