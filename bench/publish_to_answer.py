"""Time from Publish in the content workspace to the first customer answer that shows the new text.

Run against a running stack (`make run`: app on :8000 with its database in var/app.db):
    .venv-web/bin/python bench/publish_to_answer.py --rounds 5

Each round appends a unique marker to a service's description in one language, publishes it with the
content workspace (what the Publish button calls) on the stack's own database, then asks the question
through the gateway (POST /api/chat, each try in a new conversation) until an answer shows the marker;
then reverts it the same way and waits until the marker is gone. Beside it, in the same run, the
latency of a plain answer to the same question with nothing published (the baseline): the difference is
what publishing costs the customer. Any failed request is counted and printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from store.catalogue_workspace import CatalogueWorkspace
from store.db import open_database

QUESTIONS = {
    "fi": "Miten haen yleistä asumistukea?",
    "sv": "Hur ansöker jag om allmänt bostadsbidrag?",
    "en": "How do I apply for general housing allowance?",
}


def ask(client: httpx.Client, app_url: str, point: str, lang: str) -> tuple[float, str, bool]:
    """Milliseconds, the reply texts joined, and whether the call failed (a 429 is waited out, untimed)."""
    while True:
        started = time.perf_counter()
        try:
            response = client.post(
                f"{app_url}/api/chat",
                json={
                    "conversation_id": f"bench-{uuid.uuid4().hex[:12]}",
                    "message": QUESTIONS[lang],
                    "channel": "web",
                    "point": point,
                    "ui_language": lang,
                },
            )
        except httpx.HTTPError:
            return (time.perf_counter() - started) * 1000, "", True
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code == 429:
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        if response.status_code != 200:
            return elapsed, "", True
        body = response.json()
        texts = " ".join(m.get("text") or "" for m in body.get("messages", []))
        return elapsed, texts, bool(body.get("degraded"))


def wait_for(client, app_url, point, lang, present: str, gone: bool, timeout: float) -> tuple[float | None, int, int]:
    """Seconds from now until an answer shows (or no longer shows) `present`; tries and failed tries."""
    started = time.monotonic()
    tries = failed = 0
    while time.monotonic() - started < timeout:
        _, texts, failure = ask(client, app_url, point, lang)
        tries += 1
        failed += failure
        if not failure and ((present in texts) != gone):
            return time.monotonic() - started, tries, failed
    return None, tries, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-url", default="http://localhost:8000")
    parser.add_argument("--database", default="sqlite:///var/app.db", help="the stack's APP_DATABASE_URL")
    parser.add_argument("--point", default="example-point")
    parser.add_argument("--service", default="housing_allowance")
    parser.add_argument("--lang", default="sv", choices=sorted(QUESTIONS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", type=int, default=20, help="plain answers timed before the rounds")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    workspace = CatalogueWorkspace(open_database(args.database))
    plain: list[float] = []
    published: list[float] = []
    reverted: list[float] = []
    failed = tries = 0
    with httpx.Client(timeout=30) as client:
        for _ in range(args.baseline):
            elapsed, _, failure = ask(client, args.app_url, args.point, args.lang)
            failed += failure
            plain.append(elapsed)
        for number in range(args.rounds):
            marker = f"[bench {uuid.uuid4().hex[:8]}]"
            entry = workspace.entry("service", args.service)
            if entry is None:
                raise SystemExit(f"no service {args.service!r} in the published catalogue")
            entry["description"][args.lang] = f"{entry['description'][args.lang]} {marker}"
            workspace.save_draft("service", args.service, entry, "bench")
            [change] = workspace.publish("bench")
            seconds, n, bad = wait_for(client, args.app_url, args.point, args.lang, marker, False, args.timeout)
            tries, failed = tries + n, failed + bad
            if seconds is None:
                raise SystemExit(f"round {number + 1}: no answer showed the new text within {args.timeout} s")
            published.append(seconds)
            workspace.revert(change.id, "bench")
            seconds, n, bad = wait_for(client, args.app_url, args.point, args.lang, marker, True, args.timeout)
            tries, failed = tries + n, failed + bad
            if seconds is None:
                raise SystemExit(f"round {number + 1}: the reverted text still showed after {args.timeout} s")
            reverted.append(seconds)

    print(f"service {args.service!r}, language {args.lang}, {args.rounds} rounds, {tries} answers polled")
    print(f"baseline: a plain answer        ms  p50 {statistics.median(plain):7.1f}  max {max(plain):7.1f}")
    print(
        f"Publish -> first answer with it  ms  p50 {statistics.median(published) * 1000:7.1f}"
        f"  max {max(published) * 1000:7.1f}"
    )
    print(
        f"Revert  -> first answer without  ms  p50 {statistics.median(reverted) * 1000:7.1f}"
        f"  max {max(reverted) * 1000:7.1f}"
    )
    print(f"failed or degraded requests: {failed}")


if __name__ == "__main__":
    main()
