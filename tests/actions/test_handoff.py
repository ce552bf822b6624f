"""action_handoff stores a case built from intents and payloads, never from the customer's words;
on the web only while the point is open and an advisor's dashboard is connected."""

import datetime as dt

import pytest

from actions import services
from actions.handoff import ActionHandoff, hand_off, point_is_open
from store.cases import CaseStore
from store.rows import HELSINKI
from tests.actions.conftest import make_tracker, run, user_event

MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)  # an ordinary working day
KIOSK, WEB = {"channel": "kiosk"}, {"channel": "web"}


def bot(custom: dict) -> dict:
    return {"event": "bot", "text": "...", "data": {"custom": custom}}


def customs(dispatcher, kind):
    return [m["custom"] for m in dispatcher.messages if (m.get("custom") or {}).get("type") == kind]


def test_handoff_stores_a_case_and_shows_the_ticket(dispatcher, case_db):
    history = [
        user_event("Jäin työttömäksi, nimeni on Matti Meikäläinen", "life_losing_job", metadata=KIOSK),
        bot(
            {"type": "life_situation", "code": "KE8", "services": [{"id": "unemployment_benefit", "authority": "kela"}]}
        ),
        bot({"type": "form", "code": "TT 1", "authority": "kela"}),
    ]
    tracker = make_tracker("haluan puhua ihmisen kanssa", "request_human", history=history)
    run(ActionHandoff(), dispatcher, tracker, {})
    payload = dispatcher.messages[-1]["custom"]
    assert payload == {"type": "handoff", "ticket": "A001", "reason": "customer_request", "live": True}
    assert dispatcher.messages[-1]["response"] == "utter_handoff"
    case = CaseStore(case_db).list_cases()[0]
    assert (case["ticket"], case["channel"], case["life_situation"]) == ("A001", "kiosk", "KE8")
    assert case["forms"] == ["TT 1"] and case["services"] == ["unemployment_benefit"]
    assert "life_losing_job" in case["intents"] and "request_human" in case["intents"]
    assert "Matti" not in str(case)


def test_the_case_carries_bookings_services_and_forms_of_the_conversation(dispatcher, case_db):
    history = [
        user_event("asumistuki", "service_housing_allowance", metadata=KIOSK),
        bot({"type": "form", "code": "AT 1", "authority": "kela"}),
        user_event("varaa aika", "book_appointment"),
        bot({"type": "booking", "id": 3, "reference": "K7QH-29XM", "kind": "phone", "topic": "housing"}),
    ]
    run(ActionHandoff(), dispatcher, make_tracker("ihminen", "request_human", history=history), {})
    case = CaseStore(case_db).list_cases()[0]
    assert case["bookings"] == ["K7QH-29XM"] and case["forms"] == ["AT 1"]
    assert case["services"] == ["housing_allowance"]
    assert case["summary"] == ""  # codes stay structured; the dashboard names them in the advisor's language


def test_tickets_count_up_within_the_day_and_a_conversation_keeps_its_ticket(dispatcher, case_db):
    for sender in ("one", "two", "three", "three"):
        tracker = make_tracker("ihminen", "request_human", metadata=KIOSK, sender=sender)
        run(ActionHandoff(), dispatcher, tracker, {})
    assert [p["ticket"] for p in customs(dispatcher, "handoff")] == ["A001", "A002", "A003", "A003"]
    assert len(CaseStore(case_db).list_cases()) == 3


def test_a_full_queue_gives_no_new_ticket_but_a_waiting_customer_keeps_theirs(dispatcher, case_db, monkeypatch):
    monkeypatch.setenv("HANDOFF_QUEUE_LIMIT", "2")
    for sender in ("one", "two", "three", "one"):
        run(ActionHandoff(), dispatcher, make_tracker("ihminen", "request_human", metadata=KIOSK, sender=sender), {})
    assert [p["ticket"] for p in customs(dispatcher, "handoff")] == ["A001", "A002", "A001"]
    assert customs(dispatcher, "handoff_unavailable") == [{"type": "handoff_unavailable", "reason": "queue_full"}]
    assert "utter_handoff_queue_full" in [m.get("response") for m in dispatcher.messages]
    assert CaseStore(case_db).waiting("example-point") == 2


def test_the_queue_limit_counts_only_todays_waiting_cases(dispatcher, case_db, monkeypatch):
    """Yesterday's cases nobody closed do not fill today's queue."""
    monkeypatch.setenv("HANDOFF_QUEUE_LIMIT", "2")
    store = CaseStore(case_db)
    yesterday = MONDAY_10 - dt.timedelta(days=1)
    for sender in ("old-1", "old-2"):
        store.create_case(
            point_id="example-point",
            conversation_id=sender,
            language="fi",
            channel="kiosk",
            reason="customer_request",
            now=yesterday,
        )
    hand_off(dispatcher, make_tracker("ihminen", "request_human", metadata=KIOSK, sender="new"), now=MONDAY_10)
    assert [p["ticket"] for p in customs(dispatcher, "handoff")] == ["A001"]


def test_untrusted_metadata_does_not_reach_the_case(dispatcher, case_db):
    tracker = make_tracker("ihminen", "request_human", metadata={"channel": "x" * 50, "point": "../etc"})
    hand_off(dispatcher, tracker, now=MONDAY_10)
    case = CaseStore(case_db).list_cases()[0] if CaseStore(case_db).list_cases() else None
    # An unknown channel counts as the web; nobody is on duty, so no case at all.
    assert case is None and customs(dispatcher, "handoff_unavailable")[0]["reason"] == "no_advisor"


@pytest.mark.parametrize(
    "when, is_open",
    [
        (MONDAY_10, True),
        (dt.datetime(2026, 11, 23, 16, 0, tzinfo=HELSINKI), False),  # closes at 16:00
        (dt.datetime(2026, 11, 23, 8, 59, tzinfo=HELSINKI), False),
        (dt.datetime(2026, 11, 28, 10, 0, tzinfo=HELSINKI), False),  # Saturday
        (dt.datetime(2026, 12, 25, 10, 0, tzinfo=HELSINKI), False),  # Christmas Day, a Friday
        (dt.datetime(2026, 12, 6, 10, 0, tzinfo=HELSINKI), False),  # Independence Day (a Sunday anyway)
        (dt.datetime(2026, 1, 6, 10, 0, tzinfo=HELSINKI), False),  # Epiphany, a Tuesday
    ],
)
def test_the_point_is_open_by_its_hours_except_on_public_holidays(when, is_open):
    assert point_is_open(services.catalogue(), when.astimezone(dt.UTC)) is is_open


def test_web_with_an_advisor_on_duty_while_open_gets_a_live_chat(dispatcher, case_db):
    store = CaseStore(case_db)
    store.mark_present("neuvoja", services.catalogue().point["id"], now=MONDAY_10)
    hand_off(dispatcher, make_tracker("ihminen", "request_human", metadata=WEB, language="sv"), now=MONDAY_10)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_live"
    assert customs(dispatcher, "handoff") == [
        {"type": "handoff", "ticket": "A001", "reason": "customer_request", "live": True}
    ]
    assert store.list_cases()[0]["channel"] == "web"


def test_web_with_nobody_on_duty_gets_hours_booking_and_a_contact_route_and_no_case(dispatcher, case_db):
    store = CaseStore(case_db)
    store.mark_present("neuvoja", services.catalogue().point["id"], now=MONDAY_10 - dt.timedelta(minutes=5))
    history = [user_event("asumistuki", "service_housing_allowance", metadata=WEB)]
    hand_off(dispatcher, make_tracker("ihminen", "request_human", history=history, language="en"), now=MONDAY_10)
    message = dispatcher.messages[-1]
    assert message["response"] == "utter_handoff_unavailable_no_advisor"
    assert message["custom"] == {"type": "handoff_unavailable", "reason": "no_advisor"}
    assert message["opening_hours"] == services.catalogue().point["opening_hours"]["en"]
    assert "OmaKela" in message["contact"] and "Kela telephone service" in message["contact"]
    assert store.list_cases() == []


def test_web_while_closed_says_so_and_names_the_authorities_when_nothing_was_discussed(
    dispatcher, case_db, monkeypatch
):
    store = CaseStore(case_db)
    evening = MONDAY_10.replace(hour=20)
    store.mark_present("neuvoja", services.catalogue().point["id"], now=evening)
    hand_off(dispatcher, make_tracker("ihminen", "request_human", metadata=WEB), now=evening)
    message = dispatcher.messages[-1]
    assert message["custom"] == {"type": "handoff_unavailable", "reason": "closed"}
    assert message["response"] == "utter_handoff_unavailable_closed"
    assert "https://www.kela.fi" in message["contact"] and "https://www.vero.fi" in message["contact"]
    assert "ely-keskus" not in message["contact"]  # an ended authority is no route
    assert store.list_cases() == []


def test_the_points_own_phone_is_the_contact_route_when_set(dispatcher, case_db, monkeypatch):
    monkeypatch.setitem(services.catalogue().point, "phone", "+358 40 000 0000")
    hand_off(dispatcher, make_tracker("ihminen", "request_human", metadata=WEB), now=MONDAY_10)
    assert dispatcher.messages[-1]["contact"] == "• +358 40 000 0000"


def test_the_kiosk_calls_the_advisor_even_when_nobody_is_logged_in(dispatcher, case_db):
    hand_off(dispatcher, make_tracker("ihminen", "request_human", metadata=KIOSK), now=MONDAY_10.replace(hour=20))
    assert customs(dispatcher, "handoff")[0]["ticket"] == "A001"


def test_a_forged_tracker_puts_no_free_text_in_the_case(dispatcher, case_db):
    """Only names the catalogue, the domain and the booking client make reach the advisor's queue."""
    html = "<img src=x onerror=alert(1)> 040 123 4567"
    history = [
        user_event("x", html, metadata=KIOSK),
        user_event("x", "service_housing_allowance"),
        bot({"type": "life_situation", "code": html, "services": [{"id": html, "authority": html}, "x", None]}),
        bot({"type": "life_situation", "code": "KE8", "services": [{"id": "unemployment_benefit", "authority": html}]}),
        bot({"type": "form", "code": html, "authority": html}),
        bot({"type": "form", "code": "AT 1r", "authority": "kela"}),
        bot({"type": "booking", "reference": html}),
        bot({"type": "booking", "reference": "K7QH-29XM"}),
        {"event": "bot", "text": "...", "data": "not a dict"},
        {"event": "bot", "text": "...", "data": {"custom": ["a list"]}},
    ]
    run(ActionHandoff(), dispatcher, make_tracker("ihminen", "request_human", history=history), {})
    case = CaseStore(case_db).list_cases()[0]
    assert case["life_situation"] == "KE8" and case["forms"] == ["AT 1r"] and case["bookings"] == ["K7QH-29XM"]
    assert case["services"] == ["housing_allowance", "unemployment_benefit"]
    assert case["intents"] == ["service_housing_allowance", "request_human"]
    assert "<" not in str(case) and "040" not in str(case)
