"""Booking Kela appointments over the REST channel, against the trained model and real actions."""

import datetime as dt
import re
import sqlite3

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import customs, text

REFERENCE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")


def buttons(replies):
    return [b for r in replies for b in r.get("buttons") or []]


def press_first_until_booked(stack: Stack, sender, replies, answers, max_steps=8):
    """Keep pressing the first button; type the next answer where no button is offered."""
    answers = list(answers)
    for _ in range(max_steps):
        if customs(replies, "booking"):
            return customs(replies, "booking")[0], replies
        offered = buttons(replies)
        replies = stack.say(sender, offered[0]["payload"] if offered else answers.pop(0))
    assert customs(replies, "booking"), text(replies)
    return customs(replies, "booking")[0], replies


def app_db(stack: Stack, query, *args):
    with sqlite3.connect(stack.app_db) as db:
        return db.execute(query, args).fetchall()


@pytest.mark.parametrize(
    "message, lang, kind",
    [
        ("Haluan varata puhelinajan Kelaan", "fi", "phone"),
        ("Voisinko saada Kelasta etäajan videon kautta?", "fi", "remote"),
        ("Jag vill boka en telefontid hos FPA", "sv", "phone"),
        ("Kan jag boka en distanstid med FPA?", "sv", "remote"),
        ("I would like a phone appointment with Kela", "en", "phone"),
        ("video meeting with a Kela expert please", "en", "remote"),
    ],
)
def test_pressing_the_first_button_books_the_earliest_time(stack: Stack, sender, message, lang, kind):
    first = stack.say(sender, message)
    booking, replies = press_first_until_booked(stack, sender, first, ["040 123 4567", "kyllä"])
    assert booking["kind"] == kind and booking["language"] == lang
    assert REFERENCE.match(booking["reference"]) and booking["reference"] in text(replies)
    start, end = dt.datetime.fromisoformat(booking["start"]), dt.datetime.fromisoformat(booking["end"])
    assert start.utcoffset() is not None and end > start > dt.datetime.now(dt.UTC)
    assert ("room" in booking) == (kind == "remote")
    phone = app_db(stack, "SELECT phone FROM bookings WHERE reference = ?", booking["reference"].replace("-", ""))
    assert phone == [("+358401234567" if kind == "phone" else None,)]
    assert app_db(stack, "SELECT count(*) FROM contact_vault WHERE conversation_id = ?", sender) == [(0,)]


def test_phone_number_is_kept_only_with_the_booking(stack: Stack, sender):
    replies = stack.say(sender, "Haluan varata puhelinajan Kelaan")
    press_first_until_booked(stack, sender, replies, ["+358 50 765 4321"])
    with sqlite3.connect(stack.tracker_db) as db:
        events = "\n".join(row[0] for row in db.execute("SELECT data FROM events"))
    assert "765 4321" not in events and "7654321" not in events and "<PHONE_NUMBER>" in events
    for log in stack.logs.values():
        assert "765 4321" not in log.read_text()
    event = app_db(
        stack,
        "SELECT authority, category, event_type, channel, language FROM service_events "
        "WHERE event_type = 'booking_made' ORDER BY id DESC LIMIT 1",
    )
    assert event == [("kela", "appointment_booking", "booking_made", "kiosk", "fi")]


def test_a_question_in_the_middle_is_answered_and_the_booking_goes_on(stack: Stack, sender):
    stack.say(sender, "Haluan varata etäajan Kelaan")
    asked = stack.say(sender, "Mihin aikaan asiointipiste on auki?")
    assert "9" in text(asked) and buttons(asked), "answered, then the topic asked again"
    booking, _ = press_first_until_booked(stack, sender, asked, [])
    assert booking["kind"] == "remote"


def test_a_life_situation_gives_the_topic(stack: Stack, sender):
    stack.say(sender, "Jäin työttömäksi, mitä nyt pitää tehdä?")
    replies = stack.say(sender, "/book_appointment")
    assert all("topic" not in b["payload"] for b in buttons(replies))
    booking, _ = press_first_until_booked(stack, sender, replies, ["0401234567"])
    assert booking["topic"] == "unemployment"


def test_change_time_then_cancel_books_nothing(stack: Stack, sender):
    replies = stack.say(sender, "I want to book a remote appointment with Kela about my pension")
    replies = stack.say(sender, buttons(replies)[0]["payload"])  # the earliest time
    assert "Shall I confirm" in text(replies)
    replies = stack.say(sender, buttons(replies)[1]["payload"])  # change the time
    assert any("booking_start" in b["payload"] for b in buttons(replies))
    replies = stack.say(sender, buttons(replies)[-1]["payload"])  # cancel
    assert not customs(replies, "booking") and "did not book" in text(replies)
    assert app_db(stack, "SELECT count(*) FROM bookings WHERE topic = 'pensions' AND kind = 'remote'") == [(0,)]


def test_an_invalid_phone_number_is_asked_again(stack: Stack, sender):
    replies = stack.say(sender, "Jag vill boka en telefontid hos FPA om bostadsbidrag")
    replies = stack.say(sender, buttons(replies)[0]["payload"])
    assert not buttons(replies)
    again = stack.say(sender, "12345")
    assert "ser inte rätt ut" in text(again)
    booking, _ = press_first_until_booked(stack, sender, again, ["040 765 4321"])
    assert booking["topic"] == "housing"


def status(stack: Stack, reference):
    return app_db(stack, "SELECT status FROM bookings WHERE reference = ?", reference.replace("-", ""))


def test_a_booking_is_cancelled_and_moved_by_its_reference_after_a_yes(stack: Stack, sender):
    booking, _ = press_first_until_booked(stack, sender, stack.say(sender, "Haluan varata etäajan"), [])
    # The first button of the question is yes ("choose a new time").
    moved, _ = press_first_until_booked(
        stack, f"{sender}-2", stack.say(f"{sender}-2", f"Voinko siirtää ajan {booking['reference']}?"), []
    )
    assert moved["reference"] == booking["reference"] and moved["start"] != booking["start"]
    asked = stack.say(f"{sender}-3", f"Haluan perua varauksen {booking['reference'].lower()}")
    assert booking["reference"] in text(asked) and "Perutaanko" in text(asked)
    assert [b["payload"] for b in buttons(asked)] == ["/affirm", "/deny"]
    assert status(stack, booking["reference"]) == [("booked",)], "nothing changes before the yes"
    kept = stack.say(f"{sender}-3", "ei")
    assert "en muuttanut mitään" in text(kept) and status(stack, booking["reference"]) == [("booked",)]
    stack.say(f"{sender}-3", f"peru {booking['reference']}")
    replies = stack.say(f"{sender}-3", "Peru varattu aika")  # the yes button's label, typed
    assert "peruttu" in text(replies) and status(stack, booking["reference"]) == [("cancelled",)]
    again = stack.say(f"{sender}-4", f"peru varaus {booking['reference']}")
    assert "En löydä" in text(again)


def times(replies):
    return [b["payload"] for b in buttons(replies) if "booking_start" in b["payload"]]


def test_typed_labels_page_on_and_cancel(stack: Stack, sender):
    first = stack.say(sender, "Haluan varata etäajan Kelaan asumistuesta")
    shown = [times(first)]
    for typed in ("myöhemmät ajat", "LATER TIMES", "senare tider"):
        replies = stack.say(sender, typed)
        shown.append(times(replies))
        assert shown[-1] and shown[-1][0] > shown[-2][-1], text(replies)
    replies = stack.say(sender, "KESKEYTA")
    assert "en varannut" in text(replies).lower() and not customs(replies, "booking")


def test_a_typed_time_label_and_a_typed_confirm_book(stack: Stack, sender):
    first = stack.say(sender, "I want a remote appointment with Kela about my studies")
    second = buttons(first)[1]
    summary = stack.say(sender, second["title"].lower())
    assert "Shall I confirm" in text(summary), text(summary)
    replies = stack.say(sender, "bekräfta")
    [booking] = customs(replies, "booking")
    assert booking["start"] == second["payload"].split('"')[3]


def test_cancelling_another_booking_in_the_middle_stops_this_one_and_asks(stack: Stack, sender):
    booking, _ = press_first_until_booked(
        stack,
        f"{sender}-old",
        stack.say(f"{sender}-old", "I want to book a remote appointment with Kela about housing"),
        [],
    )
    stack.say(sender, "I want to book a phone appointment with Kela")
    replies = stack.say(sender, f"I want to cancel my booking {booking['reference']}")
    said = text(replies)
    assert "No new appointment was booked" in said and "Shall I cancel this appointment?" in said, said
    assert status(stack, booking["reference"]) == [("booked",)]
    replies = stack.say(sender, "yes")
    assert "is cancelled" in text(replies) and status(stack, booking["reference"]) == [("cancelled",)]


def test_a_language_button_in_the_middle_asks_again_in_english_and_keeps_finnish_service(stack: Stack, sender):
    stack.say(sender, "Haluan varata etäajan Kelaan asumistuesta")
    replies = stack.say(sender, '/choose_language{"language":"en"}', language="en")
    titles = [b["title"] for b in buttons(replies)]
    assert "Later times" in titles and "Cancel" in titles and "Myöhemmät ajat" not in titles, titles
    booking, _ = press_first_until_booked(stack, sender, replies, [])
    assert booking["language"] == "fi"
