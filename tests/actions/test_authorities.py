"""action_authority: an ended authority's successors; else its own service points and what this point can do."""

from pathlib import Path

import yaml

from actions.authorities import ActionAuthority
from tests.actions.conftest import make_tracker, run

DOMAIN = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "bot" / "domain" / "authorities.yml").read_text(encoding="utf-8")
)


def authority(value, text="x"):
    return [{"entity": "authority", "value": value, "start": 0, "end": len(text)}]


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


def test_the_ely_centre_gets_both_successors_never_out_of_scope(dispatcher):
    run(ActionAuthority(), dispatcher, make_tracker("missä on lähin ELY-keskus", "ask_authority", authority("ely")))
    assert responses(dispatcher) == ["utter_authority_ended"]
    message = dispatcher.messages[0]
    assert "31.12.2025" in message["succession"] and "elinvoimakeskus" in message["succession"]
    lines = message["successors"].splitlines()
    assert [line.split(":")[0] for line in lines] == ["• Elinvoimakeskus", "• Lupa- ja valvontavirasto"]


def test_the_te_office_in_swedish_gets_the_employment_area_and_what_the_point_helps_with(dispatcher):
    tracker = make_tracker("var är närmaste TE-byrå", "ask_hours_location", authority("te_office"), "sv")
    run(ActionAuthority(), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_authority_ended", "utter_authority_here"]
    ended, here = dispatcher.messages
    assert "sysselsättningsområdet" in ended["succession"]
    assert "Sysselsättningstjänster: https://tyomarkkinatori.fi/sv" in ended["successors"]
    assert "arbetssökande" in here["services"].lower()
    # Never the point's own address.
    assert all("address" not in m for m in dispatcher.messages)


def test_police_gets_its_own_finder_and_the_points_help(dispatcher):
    tracker = make_tracker("where is the nearest police station", "ask_authority", authority("police"), "en")
    run(ActionAuthority(), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_authority_offices", "utter_authority_here"]
    offices, here = dispatcher.messages
    assert (offices["authority"], offices["url"]) == ("Police", "https://poliisi.fi/en")
    assert here["services"].splitlines() == ["• Passport", "• Identity card", "• Lost property"]


def test_lost_property_only_where_the_point_agreed_it(dispatcher, monkeypatch):
    from actions import services

    cat = services.catalogue()
    monkeypatch.setitem(cat.point, "capabilities", [c for c in cat.point["capabilities"] if c != "other"])
    run(ActionAuthority(), dispatcher, make_tracker("poliisi", "ask_authority", authority("police")))
    assert "Löytötavarat" not in dispatcher.messages[1]["services"]


def test_kela_uses_its_office_finder(dispatcher):
    run(ActionAuthority(), dispatcher, make_tracker("missä on kelan toimisto", "ask_authority", authority("kela")))
    assert dispatcher.messages[0]["url"] == "https://www.kela.fi/palvelupisteet"
    assert "Kelan etäpalvelu tässä asiointipisteessä" in dispatcher.messages[1]["services"]


def test_an_authority_the_point_does_nothing_for(dispatcher):
    run(ActionAuthority(), dispatcher, make_tracker("hyvinvointialue", "ask_authority", authority("wellbeing_county")))
    assert responses(dispatcher) == ["utter_authority_offices", "utter_authority_not_here"]


def test_an_ended_authority_wins_over_another_named(dispatcher):
    entities = authority("elinvoimakeskus") + authority("ely")
    run(ActionAuthority(), dispatcher, make_tracker("ely eli elinvoimakeskus", "ask_authority", entities))
    assert responses(dispatcher)[0] == "utter_authority_ended"


def test_without_a_recognised_authority_it_asks_which(dispatcher):
    tracker = make_tracker("missä on lähin virasto", "ask_authority", authority("te-toimistoo"))
    run(ActionAuthority(), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_ask_which_authority"]


def test_the_question_offers_this_point_too_in_every_language():
    for variant in DOMAIN["responses"]["utter_ask_which_authority"]:
        payloads = [b["payload"] for b in variant["buttons"]]
        assert "/ask_hours_location" in payloads
        assert '/ask_authority{"authority": "police"}' in payloads


def test_a_short_name_said_as_a_word_when_the_lookups_found_nothing(dispatcher):
    run(ActionAuthority(), dispatcher, make_tracker("missä ELY toimii nykyään?", "ask_authority"))
    assert responses(dispatcher) == ["utter_authority_ended"]


def test_a_short_name_inside_another_word_is_not_one(dispatcher):
    run(ActionAuthority(), dispatcher, make_tracker("where is it likely to be, namely", "ask_authority"))
    assert responses(dispatcher) == ["utter_ask_which_authority"]
