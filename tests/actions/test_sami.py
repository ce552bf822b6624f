"""action_sami: one greeting in the customer's Sámi language, then the routes, in the conversation's language."""

from pathlib import Path

import pytest
import yaml

from actions.sami import ActionSami, sami_variant
from tests.actions.conftest import make_tracker, run

DOMAIN = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "bot" / "domain" / "sami.yml").read_text(encoding="utf-8")
)


def heard(tracker, sami):
    """The tracker as Rasa sends it when the language identifier recognised a Sámi language."""
    tracker.latest_message["language_id"] = {"scores": {"fi": 0.4, "sv": 0.3, "en": 0.3}, "sami": sami}
    return tracker


def said(dispatcher):
    (message,) = dispatcher.messages
    assert message["response"] == "utter_sami"
    return message


def test_a_variant_named_in_words_gets_its_greeting_and_its_routes(dispatcher):
    tracker = make_tracker("saanko palvelua koltansaameksi", "sami_language", [{"entity": "sami", "value": "sms"}])
    run(ActionSami(), dispatcher, tracker)
    message = said(dispatcher)
    assert message["greeting"] == "Tiõrv!"
    assert "koltansaamenkielinen puhelinpalvelu: 020 634 4795" in message["routes"]
    assert "pohjoissaameksi" not in message["routes"]


def test_the_language_identifier_decides_when_no_name_was_typed(dispatcher):
    tracker = heard(make_tracker("Buorre beaivi, hállatgo sámegiela?", "sami_language", language="sv"), "sme")
    run(ActionSami(), dispatcher, tracker)
    message = said(dispatcher)
    assert message["greeting"] == "Buorre beaivi!"
    # Answered in the conversation's language (Swedish); no unverified number for North Sámi.
    assert "nordsamiska" in message["routes"] and "020" not in message["routes"]


def test_without_a_known_variant_one_greeting_in_each_and_every_route(dispatcher):
    tracker = make_tracker("/sami_language", "sami_language", language="en")
    run(ActionSami(), dispatcher, tracker)
    message = said(dispatcher)
    assert message["greeting"] == "Buorre beaivi! · Pyeri peeivi! · Tiõrv!"
    routes = message["routes"].splitlines()
    assert all(line.startswith("• ") for line in routes)
    assert any("Skolt Sámi: 020 634 4795" in line for line in routes)
    assert any("remote (video) service" in line for line in routes)


def test_unknown_values_are_ignored():
    tracker = heard(make_tracker("x", "sami_language", [{"entity": "sami", "value": "pohjoissaam"}]), "xx")
    assert sami_variant(tracker) is None


def test_the_remote_route_only_where_the_point_interprets(dispatcher, monkeypatch):
    from actions import services

    cat = services.catalogue()
    monkeypatch.setitem(cat.point, "remote_interpreting", [])
    run(ActionSami(), dispatcher, make_tracker("/sami_language", "sami_language", language="en"))
    assert "remote (video) service" not in said(dispatcher)["routes"]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_reply_offers_the_advisor_in_every_language(lang):
    variants = {v["condition"][0]["value"]: v for v in DOMAIN["responses"]["utter_sami"]}
    assert {b["payload"] for b in variants[lang]["buttons"]} == {"/request_human"}
    assert "{greeting}" in variants[lang]["text"] and "{routes}" in variants[lang]["text"]
