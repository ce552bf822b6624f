"""Time from the first booking message to the `booking` payload, over the REST channel.

Run against a running assistant (`make run`):  .venv-web/bin/python bench/booking_flow.py --bookings 12
Each booking is a new conversation that presses the first button offered (the earliest time,
then "confirm") and types a phone number where no button is offered, as a hurried customer would.
Prints p50/p95/max of the whole booking and of one step, and the steps per booking.
Each booking is cancelled by its reference afterwards (not timed), so the calendars stay free.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import httpx
from latency import percentile

OPENERS = [
    ("Haluan varata puhelinajan Kelaan", "040 123 4567"),
    ("Jag vill boka en distanstid med FPA", "040 123 4567"),
    ("I want to book a phone appointment with Kela", "+358 40 123 4567"),
]
MAX_STEPS = 8


def book_once(client: httpx.Client, url: str, opener: str, phone: str) -> tuple[float, list[float]]:
    """One booking from the first message to the payload: (total ms, ms of each step)."""
    sender, message, steps = f"bench-{uuid.uuid4().hex[:10]}", opener, []
    started = time.perf_counter()
    for _ in range(MAX_STEPS):
        step = time.perf_counter()
        replies = (
            client.post(url, json={"sender": sender, "message": message, "metadata": {"channel": "web"}})
            .raise_for_status()
            .json()
        )
        steps.append((time.perf_counter() - step) * 1000)
        booked = [r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "booking"]
        if booked:
            total = (time.perf_counter() - started) * 1000
            cancel = f'/cancel_booking{{"booking_reference":"{booked[0]["reference"]}"}}'
            client.post(url, json={"sender": sender, "message": cancel}).raise_for_status()
            # Cancelling by reference shows the booking and asks first (issue 13).
            client.post(url, json={"sender": sender, "message": "/affirm"}).raise_for_status()
            return total, steps
        buttons = [b for r in replies for b in r.get("buttons") or []]
        message = buttons[0]["payload"] if buttons else phone
    raise RuntimeError(f"no booking within {MAX_STEPS} steps for {opener!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--bookings", type=int, default=12)
    args = parser.parse_args()
    totals, steps, counts = [], [], []
    with httpx.Client(timeout=30) as client:
        for i in range(args.bookings):
            total, step_times = book_once(client, args.url, *OPENERS[i % len(OPENERS)])
            totals.append(total)
            steps += step_times
            counts.append(len(step_times))
    print(f"bookings {len(totals)}, steps per booking {min(counts)}-{max(counts)}")
    print(
        f"first message to booking payload ms: p50 {statistics.median(totals):.0f}  "
        f"p95 {percentile(totals, 0.95):.0f}  max {max(totals):.0f}"
    )
    print(f"one step ms: p50 {statistics.median(steps):.0f}  p95 {percentile(steps, 0.95):.0f}")


if __name__ == "__main__":
    main()
