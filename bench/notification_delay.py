"""Delay from a case's commit (as the action server writes it) to its arrival on an open dashboard (SSE).

    PYTHONPATH=. .venv-web/bin/python bench/notification_delay.py [--cases 50] [--max-gap 0.5]

Starts the web app with uvicorn on a free port over a temporary SQLite file (as `make run` does,
plain http on localhost), signs an advisor in, opens /staff/events, then writes cases with a
separate CaseStore at random intervals and prints p50/p95/max of commit → receipt in ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from latency import percentile

from store.accounts import AccountStore
from store.cases import CaseStore
from store.db import open_database
from tests.kiosk_ui.test_staff_live import (
    PASSWORD,
    POINT,
    EventStream,
    signed_in_client,
    web_app,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--max-gap", type=float, default=0.5, help="longest pause between two cases, seconds")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    url = f"sqlite:///{tempfile.mkdtemp(prefix='notification-delay-')}/app.db"
    AccountStore(open_database(url)).create("bench", PASSWORD, "advisor")
    store = CaseStore(url)
    with web_app(url) as base:
        client, _ = signed_in_client(base, "bench")
        stream = EventStream(client)
        stream.next("snapshot", timeout=10)
        delays = []
        for i in range(args.cases):
            time.sleep(rng.uniform(0.0, args.max_gap))
            case = store.create_case(
                point_id=POINT, conversation_id=f"bench-{i}", language="fi", channel="kiosk", reason="customer_request"
            )
            committed = time.perf_counter()
            received, _, _ = stream.next(
                "case",
                timeout=10,
                where=lambda d, case_id=case["id"]: d["change"]["kind"] == "created" and d["case"]["id"] == case_id,
            )
            delays.append((received - committed) * 1000)
        stream.close()
        client.close()
        time.sleep(0.5)  # the server ends the feed on its next poll, before it is stopped
    print(
        f"notification delay over {len(delays)} cases (commit -> SSE event on the dashboard, "
        f"poll every 0.2 s): p50 {statistics.median(delays):.0f} ms, p95 {percentile(delays, 0.95):.0f} ms, "
        f"max {max(delays):.0f} ms"
    )


if __name__ == "__main__":
    main()
