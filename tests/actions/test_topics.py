"""action_show_topic and action_fallback over the real catalogue."""

from actions.fallback import ActionFallback
from actions.topics import ActionShowTopic
from tests.actions.conftest import make_tracker, run


def payloads(dispatcher, kind):
    return [m["custom"] for m in dispatcher.messages if (m.get("custom") or {}).get("type") == kind]


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def test_service_intent_gives_its_form_in_the_customers_language(dispatcher):
    tracker = make_tracker("Var hittar jag blanketten för barnbidrag?", "service_child_benefit", language="sv")
    run(ActionShowTopic(), dispatcher, tracker, {})
    form = payloads(dispatcher, "form")[0]
    assert form["code"] == "LL 1" and form["variant"] == "LL 1r" and form["language"] == "sv"
    assert form["url"].startswith("https://")
    assert responses(dispatcher)[0] == "utter_service"


def test_life_situation_lists_steps_in_order_and_sets_the_slot(dispatcher):
    tracker = make_tracker("Jäin työttömäksi", "life_losing_job")
    events = run(ActionShowTopic(), dispatcher, tracker, {})
    payload = payloads(dispatcher, "life_situation")[0]
    assert payload["code"] == "KE8"
    assert "TT 1" in [f["code"] for f in payload["forms"]]
    steps = dispatcher.messages[0]["steps"].splitlines()
    assert steps[0].startswith("1. ") and len(steps) == len(payload["services"])
    assert {"event": "slot", "name": "life_situation", "value": "KE8", "timestamp": None} in events


def test_form_code_entity_wins_and_variant_suffix_is_understood(dispatcher):
    tracker = make_tracker("anna SV 8e", "request_form", [{"entity": "form_code", "value": "SV 8e"}], "en")
    run(ActionShowTopic(), dispatcher, tracker, {})
    form = payloads(dispatcher, "form")[0]
    assert (form["code"], form["variant"]) == ("SV 8", "SV 8e")


def test_unknown_form_code_is_said_not_invented(dispatcher):
    tracker = make_tracker("XY 99", "request_form", [{"entity": "form_code", "value": "AT 99"}])
    run(ActionShowTopic(), dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_form_unknown"]
    assert dispatcher.messages[0]["code"] == "AT 99"


def test_generic_form_request_asks_which(dispatcher):
    run(ActionShowTopic(), dispatcher, make_tracker("tarvitsen lomakkeen", "request_form"), {})
    assert responses(dispatcher) == ["utter_which_form"]


def test_fallback_still_answers_a_named_benefit(dispatcher):
    tracker = make_tracker("asumistuki??", "nlu_fallback", [{"entity": "benefit", "value": "housing_allowance"}])
    run(ActionFallback(), dispatcher, tracker, {})
    assert "AT 1" in [p["code"] for p in payloads(dispatcher, "form")]


def test_fallback_without_anything_known_asks_again(dispatcher):
    run(ActionFallback(), dispatcher, make_tracker("qwerty", "nlu_fallback"), {})
    assert responses(dispatcher) == ["utter_default"]


def test_redacted_message_gets_the_personal_data_notice_first(dispatcher):
    tracker = make_tracker(
        "asumistuki, hetu <ID_CODE>", "service_housing_allowance", metadata={"redacted": ["id_code"]}
    )
    run(ActionShowTopic(), dispatcher, tracker, {})
    assert responses(dispatcher)[0] == "utter_personal_data"
    assert "<ID_CODE>" not in str(dispatcher.messages)


def test_personal_data_gets_the_notice_and_the_named_benefit_still_answered(dispatcher):
    from actions.personal_data import ActionPersonalData

    tracker = make_tracker(
        "mun hetu on <ID_CODE>, tarviin kela-kortin",
        "personal_data",
        [{"entity": "benefit", "value": "kela_card"}],
        metadata={"redacted": ["id_code"]},
    )
    run(ActionPersonalData(), dispatcher, tracker, {})
    assert responses(dispatcher)[0] == "utter_personal_data"
    assert "SV 157" in [p["code"] for p in payloads(dispatcher, "form")]


def test_only_forms_the_point_receives_say_they_can_be_handed_in_here(dispatcher):
    kela = make_tracker("lomake AT 1", "request_form", entities=[{"entity": "form_code", "value": "AT 1"}])
    run(ActionShowTopic(), dispatcher, kela, {})
    tax = make_tracker("lomake 5010", "request_form", entities=[{"entity": "form_code", "value": "5010"}])
    run(ActionShowTopic(), dispatcher, tax, {})
    cards = [r for r in responses(dispatcher) if r.startswith("utter_form_card")]
    assert cards == ["utter_form_card", "utter_form_card_elsewhere"]
