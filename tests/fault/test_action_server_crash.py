"""kill -9 the action server in the middle of a booking: a clear message, nothing half-made, back, and on."""

import threading

from tests.fault.conftest import BACK_WITHIN_SECONDS, Customer, Stack, buttons, customs

PHONE = "040 123 4567"


def up_to_the_confirmation(customer: Customer) -> str:
    """Ask for a phone appointment and answer until the assistant asks to confirm; the confirm payload."""
    reply = customer.say("Haluan varata puhelinajan Kelaan")
    for _ in range(6):
        offered = buttons(reply)
        if "/affirm" in offered:
            return "/affirm"
        reply = customer.say(offered[0] if offered else PHONE)
        assert not reply["degraded"], reply
    raise AssertionError(f"no confirmation question: {reply}")


def half_made(stack: Stack) -> list[tuple]:
    """Bookings without claims and claims without a booking (neither may ever exist)."""
    return stack.db(
        "SELECT 'booking', b.id FROM bookings b "
        "WHERE NOT EXISTS (SELECT 1 FROM booking_claims c WHERE c.booking_id = b.id) "
        "UNION ALL SELECT 'claim', c.booking_id FROM booking_claims c "
        "WHERE NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = c.booking_id)"
    )


def test_kill_between_answers_customer_told_nothing_booked_then_the_booking_goes_on(stack: Stack, customer: Customer):
    confirm = up_to_the_confirmation(customer)
    bookings = stack.db("SELECT count(*) FROM bookings")
    claims = stack.db("SELECT count(*) FROM booking_claims")
    old = stack.kill("actions")

    reply = customer.say(confirm)
    # A clear message in the customer's language (the kiosk then offers the advisor), no booking.
    assert reply["degraded"] and customs(reply, "unavailable") and reply["messages"][0]["text"]
    assert not customs(reply, "booking")
    assert stack.db("SELECT count(*) FROM bookings") == bookings
    assert stack.db("SELECT count(*) FROM booking_claims") == claims
    assert half_made(stack) == []

    stack.wait_back("actions", old, f"{stack.action_url}/health", BACK_WITHIN_SECONDS)
    # The rest of the stack never went down, and the conversation goes on where it was: confirming books.
    reply = customer.say(confirm)
    assert not reply["degraded"], reply
    booking = customs(reply, "booking")
    assert booking and booking[0]["kind"] == "phone"
    reference = booking[0]["reference"].replace("-", "")
    claimed = "SELECT count(*) FROM booking_claims c JOIN bookings b ON b.id = c.booking_id WHERE b.reference = ?"
    assert stack.db(claimed, reference) == [(1,)]  # a phone appointment claims the expert's calendar
    assert half_made(stack) == []


def test_kill_while_the_confirmation_is_being_booked_leaves_a_whole_booking_or_none(stack: Stack, customer: Customer):
    confirm = up_to_the_confirmation(customer)
    before = stack.db("SELECT count(*) FROM bookings")[0][0]
    replies: list[dict] = []
    sending = threading.Thread(target=lambda: replies.append(customer.say(confirm)))
    sending.start()
    old = stack.kill("actions")  # the confirmation is on its way through the gateway and Rasa
    sending.join()
    stack.wait_back("actions", old, f"{stack.action_url}/health", BACK_WITHIN_SECONDS)

    # Either the booking was committed before the kill (and the customer may or may not have heard of it),
    # or nothing of it is in the database; never a booking without its claim or a claim without its booking.
    assert half_made(stack) == []
    after = stack.db("SELECT count(*) FROM bookings")[0][0]
    assert after in (before, before + 1)
    (reply,) = replies
    assert reply["degraded"] or customs(reply, "booking")
    if customs(reply, "booking"):
        assert after == before + 1
    # Whatever happened, the customer can go on talking to the assistant.
    assert not customer.say("Mihin aikaan asiointipiste on auki?")["degraded"]
