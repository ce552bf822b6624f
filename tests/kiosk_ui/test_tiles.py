"""The kiosk's Sámi entry: apart from the life situations, the language's own name, sent as a tile is."""

import json
import re

import pytest

from kiosk_ui.tiles import SAMI_CODE, tiles


def kiosk_config(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="kiosk-config">(.*?)</script>', html, re.S)[1])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_sami_entry_is_on_the_start_screen_in_sami_with_a_hint_in_the_screen_language(client, lang):
    html = client.get(f"/kiosk?lang={lang}").text
    entry = re.search(r'<div class="lang-entry">(.*?)</div>', html, re.S)[1]
    # The kiosk script sends every [data-testid=life-tile] as /<data-intent>: the same answer as asking in words.
    assert re.search(r'data-testid="life-tile" data-code="sami"\s+data-intent="sami_language"', entry)
    assert '<span class="tile-name" lang="se" data-i18n-tile="sami">Sámegiella</span>' in entry
    assert client.app.state.texts.text(lang, "kiosk.sami_hint") in entry
    # Not one of the life situations' list items.
    tiles_list = re.search(r'<ul class="tiles".*?</ul>', html, re.S)[0]
    assert 'data-code="sami"' not in tiles_list


def test_the_entry_keeps_its_name_when_the_screen_language_changes(client):
    config = kiosk_config(client.get("/kiosk").text)
    assert config["tiles"][SAMI_CODE] == {"fi": "Sámegiella", "sv": "Sámegiella", "en": "Sámegiella"}
    assert {lang: config["texts"][lang]["kiosk"]["sami_hint"] for lang in ("fi", "sv", "en")} == {
        "fi": "Palvelua saamen kielellä",
        "sv": "Service på samiska",
        "en": "Service in Sámi",
    }


def test_life_situations_come_first_and_the_sami_entry_last(client):
    cat = client.app.state.catalogue
    codes = [tile["code"] for tile in tiles(cat)]
    assert codes == [*cat.life_situations, SAMI_CODE]
