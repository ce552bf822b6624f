"""action_handoff stores a case built from intents and payloads, never from the customer's words."""
from actions.handoff import ActionHandoff
from store.cases import CaseStore
from tests.actions.conftest import make_tracker, user_event


def test_handoff_stores_a_case_and_shows_the_ticket(dispatcher, case_db):
    history = [
        user_event("Jäin työttömäksi, nimeni on Matti Meikäläinen", "life_losing_job",
                   metadata={"channel": "kiosk"}),
        {"event": "bot", "text": "...", "data": {"custom": {
            "type": "life_situation", "code": "KE8", "services": [{"id": "unemployment_benefit"}]}}},
        {"event": "bot", "text": "...", "data": {"custom": {"type": "form", "code": "TT 1"}}},
    ]
    tracker = make_tracker("haluan puhua ihmisen kanssa", "request_human", history=history)
    ActionHandoff().run(dispatcher, tracker, {})
    payload = dispatcher.messages[-1]["custom"]
    assert payload == {"type": "handoff", "ticket": "A001", "reason": "customer_request"}
    case = CaseStore(case_db).list_cases()[0]
    assert (case["ticket"], case["channel"], case["life_situation"]) == ("A001", "kiosk", "KE8")
    assert case["forms"] == ["TT 1"] and case["services"] == ["unemployment_benefit"]
    assert "life_losing_job" in case["intents"] and "request_human" in case["intents"]
    assert "Matti" not in str(case)


def test_tickets_count_up_within_the_day(dispatcher, case_db):
    for _ in range(3):
        ActionHandoff().run(dispatcher, make_tracker("ihminen", "request_human"), {})
    tickets = [m["custom"]["ticket"] for m in dispatcher.messages if m.get("custom")]
    assert tickets == ["A001", "A002", "A003"]


def test_untrusted_metadata_does_not_reach_the_case(dispatcher, case_db):
    tracker = make_tracker("ihminen", "request_human", metadata={"channel": "x" * 50, "point": "../etc"})
    ActionHandoff().run(dispatcher, tracker, {})
    case = CaseStore(case_db).list_cases()[0]
    assert case["channel"] == "web" and case["point_id"] != "../etc"
