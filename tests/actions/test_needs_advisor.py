"""Services only the advisor can do: shown, then the advisor offered and called on yes, all from catalogue data."""

import pytest

from actions import services
from actions.fallback import ActionFallback
from actions.feedback import ActionFeedbackRequest
from actions.handoff import ActionAnswerOffer, ActionHandoff, ActionLanguageChanged
from actions.topics import ActionShowTopic
from store.cases import CaseStore
from tests.actions.conftest import make_tracker, run, user_event

KIOSK = {"channel": "kiosk", "point": "example-point"}
MISSED = {"event": "slot", "name": "fallback_missed", "value": True, "timestamp": None}


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def customs(dispatcher, kind):
    return [m["custom"] for m in dispatcher.messages if (m.get("custom") or {}).get("type") == kind]


def offered(response: str, value: str) -> list[dict]:
    """The bot's turn that offered the advisor: the offer and its slot."""
    return [
        {"event": "bot", "text": "...", "data": {"buttons": [{"title": "Kyllä", "payload": "/affirm"}]}},
        {"event": "slot", "name": "advisor_offer", "value": value, "timestamp": None},
    ]


def test_handing_in_a_paper_application_shows_the_service_then_asks_before_calling(dispatcher, case_db):
    tracker = make_tracker("haluan jättää Kelan hakemuksen paperilla", "service_document_submission", metadata=KIOSK)
    events = run(ActionShowTopic(), dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_service", "utter_advisor_offer_service"]
    assert dispatcher.messages[1]["name"] == "Hakemuksen tai liitteen jättäminen"
    assert events == [
        {"event": "slot", "name": "advisor_offer", "value": "needs_advisor:document_submission", "timestamp": None}
    ]
    assert CaseStore(case_db).list_cases() == [] and not customs(dispatcher, "handoff")


@pytest.mark.parametrize("text, lang", [("kyllä", "fi"), ("ja", "sv"), ("yes please", "en")])
def test_yes_to_the_offer_opens_the_case_with_its_reason_and_service(dispatcher, case_db, text, lang):
    history = [
        user_event("mul on kela asiat ihan sekasin", "service_document_submission", metadata=KIOSK),
        *offered("utter_advisor_offer_service", "needs_advisor:document_submission"),
    ]
    run(ActionAnswerOffer(), dispatcher, make_tracker(text, "affirm", language=lang, history=history), {})
    assert responses(dispatcher) == ["utter_handoff"]
    case = CaseStore(case_db).list_cases()[0]
    assert case["reason"] == "needs_advisor" and case["services"] == ["document_submission"]


@pytest.mark.parametrize("text, lang", [("ei", "fi"), ("nej tack", "sv"), ("no", "en")])
def test_no_to_the_offer_opens_nothing_and_asks_how_to_help(dispatcher, case_db, text, lang):
    history = [
        user_event("mul on kela asiat ihan sekasin", "service_document_submission", metadata=KIOSK),
        *offered("utter_advisor_offer_service", "needs_advisor:document_submission"),
    ]
    events = run(ActionAnswerOffer(), dispatcher, make_tracker(text, "deny", language=lang, history=history), {})
    assert responses(dispatcher) == ["utter_advisor_offer_declined"]
    assert CaseStore(case_db).list_cases() == []
    assert {"event": "slot", "name": "advisor_offer", "value": None, "timestamp": None} in events


def test_yes_without_an_offer_just_asks_how_to_help(dispatcher, case_db):
    history = [
        user_event("lapsilisä", "service_child_benefit", metadata=KIOSK),
        *offered("utter_advisor_offer_service", "needs_advisor:payment"),
        user_event("passi", "service_passport"),
    ]
    run(ActionAnswerOffer(), dispatcher, make_tracker("kyllä", "affirm", history=history), {})
    assert responses(dispatcher) == ["utter_how_can_i_help"] and CaseStore(case_db).list_cases() == []


def test_asking_for_a_person_after_the_offer_accepts_it(dispatcher, case_db):
    history = [
        user_event("löysin lompakon", "service_lost_property", metadata=KIOSK),
        *offered("utter_advisor_offer_service", "needs_advisor:lost_property"),
    ]
    run(ActionHandoff(), dispatcher, make_tracker("kutsu palveluneuvoja", "request_human", history=history), {})
    case = CaseStore(case_db).list_cases()[0]
    assert case["reason"] == "needs_advisor" and "lost_property" in case["services"]


def test_a_language_switch_asks_the_offer_again_and_yes_still_calls(dispatcher, case_db):
    history = [
        user_event("mul on kela asiat ihan sekasin", "service_document_submission", metadata=KIOSK),
        *offered("utter_advisor_offer_service", "needs_advisor:document_submission"),
    ]
    switch = make_tracker('/choose_language{"language":"en"}', "choose_language", language="en", history=history)
    events = run(ActionLanguageChanged(), dispatcher, switch, {})
    assert responses(dispatcher) == ["utter_language_changed_offer"]
    assert events == [
        {"event": "slot", "name": "advisor_offer", "value": "needs_advisor:document_submission", "timestamp": None}
    ]
    history += [user_event('/choose_language{"language":"en"}', "choose_language"), *offered("x", events[0]["value"])]
    run(ActionAnswerOffer(), dispatcher, make_tracker("yes", "affirm", language="en", history=history), {})
    case = CaseStore(case_db).list_cases()[0]
    assert case["reason"] == "needs_advisor" and case["services"] == ["document_submission"]


def test_a_language_switch_without_an_offer_only_says_so(dispatcher, case_db):
    run(ActionLanguageChanged(), dispatcher, make_tracker("in English please", "choose_language", language="en"), {})
    assert responses(dispatcher) == ["utter_language_changed"]


def test_asking_for_a_person_makes_a_ticket_at_once(dispatcher, case_db):
    run(ActionHandoff(), dispatcher, make_tracker("haluan puhua ihmiselle", "request_human", metadata=KIOSK), {})
    assert responses(dispatcher) == ["utter_handoff"]
    assert CaseStore(case_db).list_cases()[0]["reason"] == "customer_request"


def test_a_task_the_point_does_not_offer_says_so_instead_of_calling_the_advisor(dispatcher, case_db):
    run(
        ActionShowTopic(),
        dispatcher,
        make_tracker("can i pay here", "service_payment", language="en", metadata=KIOSK),
        {},
    )
    assert responses(dispatcher) == ["utter_service", "utter_not_at_this_point"]
    assert dispatcher.messages[1]["tasks"] == services.catalogue().advisor_tasks["payments"]["name"]["en"]
    assert "Online bank" in dispatcher.messages[0]["channels"]
    assert CaseStore(case_db).list_cases() == []


def test_which_services_need_the_advisor_is_catalogue_data(dispatcher, case_db, monkeypatch):
    cat = services.catalogue()
    monkeypatch.setitem(cat.services["tax_card"], "needs_advisor", True)
    monkeypatch.setitem(cat.point, "capabilities", [*cat.point["capabilities"], "payments"])
    for sender, text, intent in (("a", "verokortti", "service_tax_card"), ("b", "voinko maksaa", "service_payment")):
        events = run(ActionShowTopic(), dispatcher, make_tracker(text, intent, metadata=KIOSK, sender=sender), {})
        offer = events[-1]["value"]
        history = [user_event(text, intent, metadata=KIOSK), *offered("utter_advisor_offer_service", offer)]
        run(ActionAnswerOffer(), dispatcher, make_tracker("kyllä", "affirm", history=history, sender=sender), {})
    cases = CaseStore(case_db).list_cases()
    assert sorted(c["services"][-1] for c in cases) == ["payment", "tax_card"]
    assert {c["reason"] for c in cases} == {"needs_advisor"}


def test_on_the_web_while_nobody_can_chat_there_is_nothing_to_ask(dispatcher, case_db, monkeypatch):
    monkeypatch.setattr("actions.handoff.unavailable_because", lambda point, now=None: "closed")
    tracker = make_tracker("haluan jättää hakemuksen", "service_document_submission", metadata={"channel": "web"})
    events = run(ActionShowTopic(), dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_service", "utter_handoff_unavailable_closed"] and events == []


def test_every_needs_advisor_service_has_an_intent_and_known_tasks():
    cat = services.catalogue()
    needing = [s for s in cat.services.values() if s["needs_advisor"]]
    assert {s["id"] for s in needing} >= {
        "lost_property",
        "document_submission",
        "identity_confirmation",
        "payment",
        "remote_connection",
    }
    for service in needing:
        assert service.get("intent") and service["advisor_tasks"], service["id"]


def test_a_form_card_is_recorded_as_a_form_shown_by_the_assistant(dispatcher, case_db):
    tracker = make_tracker(
        "Var hittar jag blanketten för barnbidrag?", "service_child_benefit", language="sv", metadata=KIOSK
    )
    run(ActionShowTopic(), dispatcher, tracker, {})
    events = services.event_log().list_events()
    assert [
        (e["event_type"], e["actor"], e["authority"], e["category"], e["service"], e["channel"], e["language"])
        for e in events
    ] == [("form_shown", "assistant", "kela", "hand_out_material", "LL 1", "kiosk", "sv")]


def test_the_second_fallback_in_a_row_offers_the_advisor(dispatcher, case_db):
    history = [user_event("qwerty", "nlu_fallback", metadata=KIOSK), MISSED]
    events = run(ActionFallback(), dispatcher, make_tracker("asdf", "nlu_fallback", history=history), {})
    assert responses(dispatcher) == ["utter_advisor_offer_fallback"]
    assert CaseStore(case_db).list_cases() == []
    assert {"event": "slot", "name": "fallback_missed", "value": None, "timestamp": None} in events
    assert {"event": "slot", "name": "advisor_offer", "value": "repeated_fallback:", "timestamp": None} in events
    history = [user_event("qwerty", "nlu_fallback", metadata=KIOSK), MISSED, user_event("asdf", "nlu_fallback")]
    history += offered("utter_advisor_offer_fallback", "repeated_fallback:")
    run(ActionAnswerOffer(), dispatcher, make_tracker("joo", "affirm", history=history), {})
    assert CaseStore(case_db).list_cases()[0]["reason"] == "repeated_fallback"


def test_a_fallback_after_an_answered_turn_asks_again(dispatcher, case_db):
    history = [
        user_event("qwerty", "nlu_fallback", metadata=KIOSK),
        MISSED,
        user_event("lapsilisä", "service_child_benefit"),
    ]
    events = run(ActionFallback(), dispatcher, make_tracker("asdf", "nlu_fallback", history=history), {})
    assert responses(dispatcher) == ["utter_default"]
    assert events == [{"event": "slot", "name": "fallback_missed", "value": True, "timestamp": None}]
    assert CaseStore(case_db).list_cases() == []


def test_feedback_goes_to_the_municipality_when_nothing_was_discussed(dispatcher):
    run(ActionFeedbackRequest(), dispatcher, make_tracker("haluan antaa palautetta", "give_feedback"), {})
    assert dispatcher.messages == [
        {
            **dispatcher.messages[0],
            "response": "utter_feedback_request",
            "custom": {"type": "feedback_request", "authority": "municipality"},
        }
    ]
    assert dispatcher.messages[0]["authority"] == "Kunta"


def test_feedback_goes_to_the_authority_of_the_latest_matter(dispatcher):
    history = [
        user_event("kela-kortti", "service_kela_card"),
        {"event": "bot", "text": "...", "data": {"custom": {"type": "form", "code": "5010", "authority": "tax"}}},
    ]
    run(ActionFeedbackRequest(), dispatcher, make_tracker("palaute", "give_feedback", history=history), {})
    assert customs(dispatcher, "feedback_request") == [{"type": "feedback_request", "authority": "tax"}]
    history.append(user_event("passi", "service_passport"))
    run(ActionFeedbackRequest(), dispatcher, make_tracker("palaute", "give_feedback", history=history), {})
    assert customs(dispatcher, "feedback_request")[-1]["authority"] == "police"


def test_feedback_for_an_authority_the_customer_names(dispatcher):
    history = [user_event("passi", "service_passport")]
    tracker = make_tracker(
        "jag vill ge respons om FPA",
        "give_feedback",
        language="sv",
        history=history,
        entities=[{"entity": "authority", "value": "kela"}],
    )
    run(ActionFeedbackRequest(), dispatcher, tracker, {})
    assert customs(dispatcher, "feedback_request") == [{"type": "feedback_request", "authority": "kela"}]
    assert dispatcher.messages[0]["authority"] == "FPA"
