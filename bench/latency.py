"""REST latency under N concurrent conversations; prints p50/p95/max and errors.

Run against a running assistant (`make run`):  .venv-web/bin/python bench/latency.py --conversations 20
Every conversation is new (its own sender id) and sends the same short script of messages.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import httpx

SCRIPT = {
    "fi": ["Hei", "Tarvitsen lomakkeen yleistä asumistukea varten", "Jäin työttömäksi, mitä teen?", "Kiitos"],
    "sv": ["Hej", "Var hittar jag blanketten för barnbidrag?", "Jag ska flytta utomlands", "Tack"],
    "en": ["Hello", "How do I apply for student financial aid?", "We just had a baby", "Thanks"],
}


async def conversation(client: httpx.AsyncClient, url: str, lang: str, timings: list, errors: list) -> None:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    for message in SCRIPT[lang]:
        started = time.perf_counter()
        try:
            response = await client.post(
                url, json={"sender": sender, "message": message, "metadata": {"channel": "web"}}
            )
            response.raise_for_status()
            if not response.json():
                raise ValueError("empty reply")
        except (httpx.HTTPError, ValueError) as exc:
            errors.append(type(exc).__name__)
            continue
        timings.append((time.perf_counter() - started) * 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main(url: str, conversations: int, timeout: float) -> None:
    timings: list[float] = []
    errors: list[str] = []
    languages = list(SCRIPT)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=timeout) as client:
        await asyncio.gather(
            *(conversation(client, url, languages[i % 3], timings, errors) for i in range(conversations))
        )
    wall = time.perf_counter() - started
    print(f"conversations {conversations}, messages {len(timings) + len(errors)}, wall {wall:.1f} s")
    if timings:
        print(
            f"latency ms: p50 {statistics.median(timings):.0f}  p95 {percentile(timings, 0.95):.0f}  "
            f"max {max(timings):.0f}"
        )
        print(f"throughput: {len(timings) / wall:.1f} messages/s")
    print(f"errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.conversations, args.timeout))
