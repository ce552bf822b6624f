"""The kiosk's start-screen tiles: the catalogue's life situations, each with an icon when one is drawn."""

from __future__ import annotations

from service_catalogue.loader import Catalogue

# Symbol ids in static/icons.svg. A life situation added to the catalogue without an entry here
# gets its initial letter instead, so the catalogue never waits for a drawing.
TILE_ICONS = {
    "KE1": "pram",
    "KE3": "cap",
    "KE4.1": "box",
    "KE4.2": "home",
    "KE4.3": "suitcase",
    "KE4.4": "home-return",
    "KE5": "globe",
    "KE7": "heart-split",
    "KE8": "briefcase",
    "KE9": "coins",
    "KE10": "sunset",
    "KE11": "cross",
    "KE12": "cycle",
    "KE13": "care",
    "KE14": "candle",
}


def tiles(cat: Catalogue) -> list[dict]:
    """Every life situation in catalogue order: code, intent, names, icon (or None)."""
    return [
        {"code": code, "intent": situation["intent"], "name": situation["name"], "icon": TILE_ICONS.get(code)}
        for code, situation in cat.life_situations.items()
    ]
