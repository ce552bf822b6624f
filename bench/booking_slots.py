"""Slot queries per second: free_slots for every kind, topic and language over a SQLite file with
some bookings in it (local booking client, real catalogue).

    PYTHONPATH=. .venv-rasa/bin/python bench/booking_slots.py [--seconds 5] [--bookings 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import tempfile
import time
from pathlib import Path

from booking.client import LocalBookingClient, SlotUnavailable
from booking.config import BookingConfig
from service_catalogue.loader import load_catalogue
from store.db import open_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to query")
    parser.add_argument("--bookings", type=int, default=300, help="bookings made first")
    args = parser.parse_args()

    config = BookingConfig.from_catalogue(load_catalogue())
    # A fixed Monday morning, so the figure does not depend on the day it is run.
    now = dt.datetime(2026, 11, 23, 6, 0, tzinfo=config.tz)
    combos = list(itertools.product(config.kinds, config.topics, config.languages))
    with tempfile.TemporaryDirectory() as folder:
        client = LocalBookingClient(open_database(f"sqlite:///{Path(folder) / 'bench.db'}"), config)
        rng = random.Random(1)
        made = 0
        for _ in range(args.bookings):
            kind, topic, language = rng.choice(combos)
            slots = client.free_slots(kind, topic, language, now=now, limit=40)
            if not slots:
                continue
            try:
                client.book(
                    kind=kind,
                    topic=topic,
                    language=language,
                    start=rng.choice(slots).start,
                    phone="040 123 4567",
                    point_id=config.point["id"],
                    channel="kiosk",
                    now=now,
                )
                made += 1
            except SlotUnavailable:
                pass
        queries, started = 0, time.perf_counter()
        deadline = started + args.seconds
        for kind, topic, language in itertools.cycle(combos):
            client.free_slots(kind, topic, language, now=now, limit=4)
            queries += 1
            if time.perf_counter() >= deadline:
                break
        elapsed = time.perf_counter() - started
    print(
        f"{made} bookings, {len(combos)} kind/topic/language combinations: "
        f"{queries / elapsed:.0f} free_slots queries per second (limit 4, one thread)"
    )


if __name__ == "__main__":
    main()
