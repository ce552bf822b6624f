"""kill -9 Rasa mid-conversation: the kiosk offers the advisor; after the restart the conversation goes on."""

import httpx

from tests.fault.conftest import RASA_BACK_WITHIN_SECONDS, Customer, Stack, buttons, customs


def tracker(stack: Stack, conversation_id: str) -> dict:
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": stack.rasa_token},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def test_kiosk_offers_the_advisor_while_rasa_is_down_and_the_conversation_continues(stack: Stack, customer: Customer):
    asked = customer.say("Haluan varata etäajan Kelaan")  # the booking form asks for the topic
    topics = [payload for payload in buttons(asked) if "booking_topic" in payload]
    assert not asked["degraded"] and topics, asked
    before = [e.get("text") for e in tracker(stack, customer.conversation_id)["events"] if e["event"] == "user"]
    old = stack.kill("rasa")

    reply = customer.say(topics[0])
    assert reply["degraded"] and customs(reply, "unavailable") and reply["messages"][0]["text"]
    # The kiosk's "call the advisor" button: a case with a ticket in the app's own database.
    handoff = customer.handoff()
    assert handoff.status_code == 200, handoff.text
    ticket = handoff.json()["ticket"]
    assert stack.db(
        "SELECT count(*) FROM handoff_cases WHERE ticket = ? AND conversation_id = ?", ticket, customer.conversation_id
    ) == [(1,)]

    stack.wait_back("rasa", old, f"{stack.rasa_url}/version", RASA_BACK_WITHIN_SECONDS)
    # The new Rasa process reads the conversation from the tracker store: same id, earlier turns kept,
    # and the booking form goes on from the topic question (the time slots come next).
    after = [e.get("text") for e in tracker(stack, customer.conversation_id)["events"] if e["event"] == "user"]
    assert after[: len(before)] == before and "Haluan varata etäajan Kelaan" in after
    reply = wait_answered(customer, topics[0])
    assert any("booking_start" in payload for payload in buttons(reply)), reply


def wait_answered(customer: Customer, message: str) -> dict:
    """The reply once Rasa answers again (it is up, but may still be pulling its model for a moment)."""
    for _ in range(60):
        reply = customer.say(message)
        if not reply["degraded"]:
            return reply
    raise AssertionError("Rasa did not answer after its restart")
