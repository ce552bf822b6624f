"""kill -9 the web app (supervisor restarts it): no case, booking or receipt is lost, also ones made meanwhile."""

import datetime as dt
import threading
import uuid

import httpx
from sqlalchemy import create_engine

from store.receipts import ReceiptStore
from tests.fault.conftest import BACK_WITHIN_SECONDS, POINT, Customer, Stack, buttons, customs


def book(customer: Customer) -> str:
    reply = customer.say("Haluan varata etäajan Kelaan")
    for _ in range(6):
        if customs(reply, "booking"):
            return customs(reply, "booking")[0]["reference"].replace("-", "")
        reply = customer.say(buttons(reply)[0])
    raise AssertionError(f"not booked: {reply}")


def test_web_app_crash_loses_no_case_booking_or_receipt(stack: Stack, customer: Customer):
    reference = book(customer)
    handoff = customer.handoff()
    assert handoff.status_code == 200, handoff.text
    receipt = ReceiptStore(create_engine(f"sqlite:///{stack.app_db}")).create(
        point_id=POINT,
        authority="kela",
        document_type="application",
        received_at=dt.datetime.now(dt.UTC),
        received_by="fault-admin",
        language="fi",
    )
    counts = {
        table: stack.db(f"SELECT count(*) FROM {table}") for table in ("handoff_cases", "bookings", "document_receipts")
    }

    # Kiosks keep calling the advisor while the app dies: every ticket handed out must be in the database.
    tickets: list[str] = []
    stop = threading.Event()

    def call_the_advisor():
        with httpx.Client(base_url=stack.web_url, cookies=customer.http.cookies, timeout=10) as http:
            while not stop.is_set():
                body = {"conversation_id": f"fault-{uuid.uuid4().hex[:16]}", "point": POINT, "channel": "kiosk"}
                try:
                    response = http.post("/api/handoff", json=body)
                except httpx.HTTPError:
                    continue
                if response.status_code == 200:
                    tickets.append(response.json()["ticket"])

    caller = threading.Thread(target=call_the_advisor)
    caller.start()
    try:
        old = stack.kill("web")
        stack.wait_back("web", old, f"{stack.web_url}/status.json", BACK_WITHIN_SECONDS)
    finally:
        stop.set()
        caller.join()

    assert stack.db("SELECT count(*) FROM handoff_cases WHERE ticket = ?", handoff.json()["ticket"]) == [(1,)]
    assert stack.db("SELECT status FROM bookings WHERE reference = ?", reference) == [("booked",)]
    assert stack.db("SELECT number FROM document_receipts WHERE id = ?", receipt["id"]) == [(receipt["number"],)]
    for table, (count,) in counts.items():
        assert stack.db(f"SELECT count(*) FROM {table}")[0][0] >= count[0], table
    assert tickets, "no handoff was answered around the restart"
    stored = {row[0] for row in stack.db("SELECT ticket FROM handoff_cases WHERE point_id = ?", POINT)}
    assert set(tickets) <= stored
    # The restarted app serves the kiosk again, and through it the assistant.
    assert not customer.say("Mihin aikaan asiointipiste on auki?")["degraded"]
