"""The kiosk's start-screen tiles: the life situations, with an icon when one is drawn, and the Sámi entry."""

from __future__ import annotations

from service_catalogue.loader import LANGUAGES, Catalogue

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


SAMI_CODE = "sami"


def sami_tile(cat: Catalogue) -> dict:
    """The "Sámegiella" entry: sends /sami_language, labelled in the language's own name on every screen."""
    entry = cat.sami["entry"]
    return {
        "code": SAMI_CODE,
        "intent": "sami_language",
        "name": dict.fromkeys(LANGUAGES, entry["label"]),
        "icon": None,
        "lang": entry["lang"],
    }


def tiles(cat: Catalogue) -> list[dict]:
    """Every life situation in catalogue order (code, intent, names, icon or None), then the Sámi entry.

    The Sámi entry rides along with the tiles so that the kiosk's script sends it as it sends a tile;
    the template draws it apart from the life situations (it has `lang`).
    """
    situations = [
        {"code": code, "intent": situation["intent"], "name": situation["name"], "icon": TILE_ICONS.get(code)}
        for code, situation in cat.life_situations.items()
    ]
    return [*situations, sami_tile(cat)]
