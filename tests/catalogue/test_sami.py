"""catalogue/data/sami.yml: three Sámi languages, routes that exist, no phone number that is not verified."""

import re

from service_catalogue import views
from service_catalogue.loader import LANGUAGES, load_catalogue
from tests.catalogue.test_loader import broken, data  # noqa: F401  (the fixture)

# shared/reference/service-facts.md: the only Sámi-language phone number it confirms.
VERIFIED_NUMBERS = {"020 634 4795"}


def test_three_sami_languages_each_with_a_greeting_and_names():
    cat = load_catalogue()
    languages = {lang["id"]: lang for lang in cat.sami["languages"]}
    assert set(languages) == {"sme", "smn", "sms"}
    assert languages["sme"]["greeting"] == "Buorre beaivi!"
    assert languages["smn"]["greeting"] == "Pyeri peeivi!"
    assert languages["sms"]["greeting"] == "Tiõrv!"
    assert languages["sms"]["name"] == {"fi": "koltansaame", "sv": "skoltsamiska", "en": "Skolt Sámi"}
    # Not checked by a Sámi speaker yet: each says where it comes from.
    assert all(lang["source"] for lang in languages.values())


def test_phone_numbers_only_where_verified():
    cat = load_catalogue()
    for route in cat.sami["routes"]:
        numbers = {n for lang in LANGUAGES for n in re.findall(r"\d{3} \d{3} \d{4}", route["text"][lang])}
        assert numbers <= VERIFIED_NUMBERS, route["id"]
        if numbers:
            assert route["verified"] is True, route["id"]
    skolt = next(r for r in cat.sami["routes"] if r["id"] == "kela_phone_skolt")
    assert skolt["languages"] == ["sms"] and all("020 634 4795" in skolt["text"][lang] for lang in LANGUAGES)


def test_routes_for_one_language_and_for_any():
    cat = load_catalogue()
    assert views.sami_greeting(cat, "smn") == "Pyeri peeivi!"
    assert views.sami_greeting(cat, None) == "Buorre beaivi! · Pyeri peeivi! · Tiõrv!"
    skolt = [r["id"] for r in views.sami_routes(cat, "sms", "fi")]
    assert "kela_phone_skolt" in skolt and "kela_phone_north" not in skolt
    assert {"kela_phone_skolt", "kela_phone_north", "kela_phone_inari"} <= {
        r["id"] for r in views.sami_routes(cat, None, "en")
    }


def test_remote_interpreting_only_where_the_point_offers_it():
    cat = load_catalogue()
    assert "remote_interpreter" in [r["id"] for r in views.sami_routes(cat, "sme", "fi")]
    cat.point["remote_interpreting"] = ["sms"]
    assert "remote_interpreter" not in [r["id"] for r in views.sami_routes(cat, "sme", "fi")]
    assert "remote_interpreter" in [r["id"] for r in views.sami_routes(cat, "sms", "fi")]
    cat.point["remote_interpreting"] = []
    assert "remote_interpreter" not in [r["id"] for r in views.sami_routes(cat, None, "fi")]


def test_unknown_sami_language_in_a_route(data):  # noqa: F811
    message = broken(data, "sami", lambda d: d["routes"][0].update(languages=["sje"]))
    assert "sami.yml: entry 'kela_phone_skolt'" in message


def test_point_interprets_an_unknown_language(data):  # noqa: F811
    message = broken(data, "point", lambda d: d["point"].update(remote_interpreting=["smj"]))
    assert "remote_interpreting names unknown Sámi language 'smj'" in message


def test_the_kiosk_entry_is_the_languages_own_name():
    cat = load_catalogue()
    assert cat.sami["entry"] == {"label": "Sámegiella", "lang": "se"}
