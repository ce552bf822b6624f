"""The scaled profile end to end: conversations, a booking, a handoff seen on every web worker's dashboard,
the double-booking race on PostgreSQL, and one Rasa instance killed mid-conversation."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine

from booking.client import Booking, LocalBookingClient, SlotUnavailable
from booking.config import BookingConfig
from service_catalogue.loader import load_catalogue
from tests.fault.conftest import POINT, Customer, customs
from tests.fault.test_rasa_crash import tracker
from tests.fault.test_web_restart import book
from tests.scaled.conftest import ScaledStack, connections_to
from tests.staff_client import EventStream, signed_in_client

CONVERSATIONS = {
    "fi": ["Hei", "Tarvitsen lomakkeen yleistä asumistukea varten", "Kiitos"],
    "sv": ["Hej", "Var hittar jag blanketten för barnbidrag?", "Tack"],
    "en": ["Hello", "How do I apply for student financial aid?", "Thanks"],
}


def user_texts(stack: ScaledStack, conversation_id: str) -> list[str]:
    """The customer's messages as the shared tracker store (PostgreSQL, read through Rasa) keeps them."""
    return [e.get("text") for e in tracker(stack, conversation_id)["events"] if e["event"] == "user"]


def test_conversations_in_three_languages_at_once_are_all_answered(stack: ScaledStack, device_secret: str):
    def converse(lang: str) -> tuple[str, list[dict]]:
        customer = Customer(stack, device_secret)
        try:
            return customer.conversation_id, [customer.say(message) for message in CONVERSATIONS[lang]]
        finally:
            customer.http.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(converse, list(CONVERSATIONS) * 4))
    for (conversation_id, replies), lang in zip(results, list(CONVERSATIONS) * 4, strict=True):
        assert all(not r["degraded"] and r["messages"] for r in replies), replies
        assert user_texts(stack, conversation_id)[-3:] == CONVERSATIONS[lang]
    swedish = results[1][1][1]["messages"][0]["text"]
    assert "barnbidrag" in swedish.lower(), swedish


def test_a_booking_is_made_through_the_balancer(stack: ScaledStack, customer: Customer):
    reference = book(customer)
    assert stack.db("SELECT count(*) FROM bookings WHERE reference = :a0", reference) == [(1,)]


def test_a_handoff_reaches_the_dashboards_on_every_web_worker(stack: ScaledStack, customer: Customer, advisor: str):
    workers = stack.worker_pids()
    assert len(workers) == 2, workers
    client, _ = signed_in_client(stack.web_url, advisor)
    streams: list[EventStream] = []
    try:
        # Dashboards open until each web worker holds at least one (the kernel spreads the connections).
        while len(streams) < 16:
            streams.append(EventStream(client))
            streams[-1].next("snapshot", timeout=30)
            if all(connections_to(pid, stack.ports["WEB_PORT"]) for pid in workers):
                break
        held = {pid: connections_to(pid, stack.ports["WEB_PORT"]) for pid in workers}
        assert all(held.values()), f"every dashboard landed on one worker: {held}"

        handoff = customer.handoff()
        assert handoff.status_code == 200, handoff.text
        ticket = handoff.json()["ticket"]
        for stream in streams:
            _, _, data = stream.next("case", timeout=20, where=lambda d: (d.get("case") or {}).get("ticket") == ticket)
            assert data["change"]["kind"] == "created"
    finally:
        for stream in streams:
            stream.close()
        client.close()


def test_a_hundred_parallel_bookings_of_one_slot_on_postgresql_make_exactly_one(stack: ScaledStack):
    attempts = 100
    # One connection per attempt (the server allows 300), so the race is real, not queued in a pool.
    engine = create_engine(stack.database_url(), pool_size=attempts, max_overflow=0)
    client = LocalBookingClient(engine, BookingConfig.from_catalogue(load_catalogue()))
    start = client.free_slots("phone", "families", "fi", limit=1)[0].start
    barrier = threading.Barrier(attempts)

    def attempt(_: int) -> Booking | SlotUnavailable:
        barrier.wait()
        try:
            return client.book(
                kind="phone",
                topic="families",
                language="fi",
                start=start,
                phone="040 123 4567",
                point_id=POINT,
                channel="kiosk",
            )
        except SlotUnavailable as refused:
            return refused

    try:
        with ThreadPoolExecutor(max_workers=attempts) as pool:
            results = list(pool.map(attempt, range(attempts)))
    finally:
        engine.dispose()
    booked = [r for r in results if isinstance(r, Booking)]
    assert (len(booked), len(results) - len(booked)) == (1, attempts - 1)
    assert stack.db("SELECT count(*) FROM bookings WHERE id = :a0", booked[0].id) == [(1,)]
    assert start not in [slot.start for slot in client.free_slots("phone", "families", "fi", limit=40)]


def test_killing_one_rasa_instance_mid_conversation_loses_no_turn(stack: ScaledStack, customer: Customer):
    said = ["Hei", "Jäin työttömäksi, mitä teen?"]
    for message in said:
        assert not customer.say(message)["degraded"]
    killed = stack.kill("rasa:rasa-0")
    try:
        for message in ["Tarvitsen lomakkeen yleistä asumistukea varten", "Muutan toiselle paikkakunnalle", "Kiitos"]:
            reply = customer.say(message)
            assert not reply["degraded"] and reply["messages"], reply
            said.append(message)
        assert user_texts(stack, customer.conversation_id) == said
    finally:
        wait_restarted(stack, "rasa:rasa-0", killed)


def wait_restarted(stack: ScaledStack, program: str, old_pid: int, seconds: float = 240) -> None:
    """Until supervisor's new process of the instance has its model again (so later tests have two)."""
    deadline = time.monotonic() + seconds
    url = stack.instance_urls[int(program.rsplit("-", 1)[1])]
    while time.monotonic() < deadline:
        if stack.pid(program) not in (0, old_pid):
            try:
                if httpx.get(f"{url}/status", params={"token": stack.rasa_token}, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(1)
    pytest.fail(f"{program} not back with a model within {seconds} s")


def balancer_servers(stack: ScaledStack) -> dict[str, dict[str, str]]:
    """HAProxy's statistics row of each Rasa instance (`show stat` on its stats socket, CSV)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(stack.run_dir / "haproxy.sock"))
        sock.sendall(b"show stat\n")
        data = b"".join(iter(lambda: sock.recv(65536), b""))
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
    return {r["svname"]: r for r in rows if r["pxname"] == "rasa" and r["svname"].startswith("rasa-")}


def balancer_sessions(stack: ScaledStack) -> dict[str, int]:
    """Sessions HAProxy has sent to each Rasa instance so far."""
    return {name: int(row["stot"]) for name, row in balancer_servers(stack).items()}


def test_the_balancer_spreads_conversations_over_both_instances(stack: ScaledStack, device_secret: str):
    # An instance restarted by an earlier test is back in the balancer after its next health check.
    deadline = time.monotonic() + 60
    while {row["status"] for row in balancer_servers(stack).values()} != {"UP"}:
        assert time.monotonic() < deadline, balancer_servers(stack)
        time.sleep(0.5)
    before = balancer_sessions(stack)
    customers = [Customer(stack, device_secret) for _ in range(6)]
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            replies = list(pool.map(lambda c: c.say("Tarvitsen lomakkeen yleistä asumistukea varten"), customers))
    finally:
        for customer in customers:
            customer.http.close()
    assert all(not r["degraded"] and not customs(r, "unavailable") for r in replies)
    after = balancer_sessions(stack)
    assert sorted(after) == ["rasa-0", "rasa-1"]
    assert all(after[name] > before.get(name, 0) for name in after), (before, after)
