"""The assistant's service events: a form card counts once per form and conversation, each with its actor."""

from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.service_events import forms_shown, record
from actions.topics import ActionShowTopic
from tests.actions.conftest import make_tracker, run

KIOSK = {"channel": "kiosk", "point": "example-point"}
ASKED = ("Var hittar jag blanketten för barnbidrag?", "service_child_benefit")


def card(code: str) -> dict:
    """The bot event of a form card as the tracker holds it."""
    return {"event": "bot", "text": "...", "data": {"custom": {"type": "form", "code": code}}, "metadata": {}}


def shown() -> list[tuple]:
    return [(e["event_type"], e["actor"], e["service"]) for e in services.event_log().list_events()]


def test_the_same_form_asked_twice_in_a_conversation_counts_once(case_db):
    """The second ask shows the card again (the customer sees it) but adds no event."""
    first = CollectingDispatcher()
    run(ActionShowTopic(), first, make_tracker(*ASKED, language="sv", metadata=KIOSK), {})
    history = [card("LL 1")]
    again = CollectingDispatcher()
    run(ActionShowTopic(), again, make_tracker(*ASKED, language="sv", metadata=KIOSK, history=history), {})
    assert [m["custom"]["code"] for m in again.messages if (m.get("custom") or {}).get("type") == "form"] == ["LL 1"]
    assert shown() == [("form_shown", "assistant", "LL 1")]


def test_a_new_session_counts_the_form_again(case_db):
    """A card before the last session start belongs to an earlier conversation."""
    history = [card("LL 1"), {"event": "session_started"}]
    run(ActionShowTopic(), CollectingDispatcher(), make_tracker(*ASKED, metadata=KIOSK, history=history), {})
    assert shown() == [("form_shown", "assistant", "LL 1")]


def test_forms_shown_reads_this_session_and_this_run():
    """Past cards since the session start and the cards already sent in this run; nothing else."""
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(json_message={"type": "form", "code": "TT 1"})
    dispatcher.utter_message(json_message={"type": "life_situation", "code": "KE8"})
    history = [card("AT 1"), {"event": "session_started"}, card("SV 8"), {"event": "bot", "text": "hei"}]
    assert forms_shown(make_tracker("x", None, history=history), dispatcher) == {"SV 8", "TT 1"}


def test_record_stores_the_actor_it_is_given(case_db):
    """A booking made in the chat is the customer's own work, not the advisor's."""
    tracker = make_tracker("varaa aika", "book_appointment", metadata=KIOSK)
    record(tracker, "booking_made", "kela", "fi", actor="self_service")
    (event,) = services.event_log().list_events()
    assert (event["event_type"], event["actor"], event["category"], event["channel"]) == (
        "booking_made",
        "self_service",
        "appointment_booking",
        "kiosk",
    )


def situation_card(code: str, forms: list[str]) -> dict:
    """The bot event of a life situation's checklist, with its forms' cards, as the tracker holds it."""
    custom = {"type": "life_situation", "code": code, "forms": [{"type": "form", "code": f} for f in forms]}
    return {"event": "bot", "text": "...", "data": {"custom": custom}, "metadata": {}}


def test_a_life_situation_tile_counts_each_of_its_form_cards_once(case_db):
    """Its checklist shows the forms' cards: a first tap records each form, a second tap and a card shown
    before record nothing more (the kiosk and the widget show the situation's forms as cards)."""
    tap = ("/life_losing_job", "life_losing_job")
    first = CollectingDispatcher()
    run(ActionShowTopic(), first, make_tracker(*tap, metadata=KIOSK, history=[card("AT 1")]), {})
    (payload,) = [m["custom"] for m in first.messages if (m.get("custom") or {}).get("type") == "life_situation"]
    codes = [f["code"] for f in payload["forms"]]
    assert "AT 1" in codes and len(codes) > 2
    counted = [c for c in codes if c != "AT 1"]
    assert shown() == [("form_shown", "assistant", c) for c in counted]
    again = [card("AT 1"), situation_card("KE8", codes)]
    run(ActionShowTopic(), CollectingDispatcher(), make_tracker(*tap, metadata=KIOSK, history=again), {})
    assert shown() == [("form_shown", "assistant", c) for c in counted]


def test_forms_shown_reads_the_forms_of_a_life_situation():
    """A card of the checklist is a card shown: asking for that form later adds no event."""
    history = [situation_card("KE8", ["TT 1", "5010"])]
    assert forms_shown(make_tracker("x", None, history=history), CollectingDispatcher()) == {"TT 1", "5010"}
