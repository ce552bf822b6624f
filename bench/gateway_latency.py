"""Latency the web app's chat gateway adds: POST /api/chat against POST to Rasa's REST channel directly.

Run against a running stack (`make run`: app on :8000, Rasa on :5005):
    .venv-web/bin/python bench/gateway_latency.py --conversations 12
Messages go one at a time (no concurrency), the same message through both paths, each path in its own
new conversation, and the order of the two alternates, so that both see the same model, the same
tracker store and the same load. A 429 from the gateway's rate limit is waited out and not timed.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import uuid

import httpx

SCRIPT = {
    "fi": ["Hei", "Tarvitsen lomakkeen yleistä asumistukea varten", "Jäin työttömäksi, mitä teen?", "Kiitos"],
    "sv": ["Hej", "Var hittar jag blanketten för barnbidrag?", "Jag ska flytta utomlands", "Tack"],
    "en": ["Hello", "How do I apply for student financial aid?", "We just had a baby", "Thanks"],
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(send) -> tuple[float, httpx.Response]:
    """Milliseconds of one successful call and its response; a rate-limited call is retried after
    Retry-After, untimed."""
    while True:
        started = time.perf_counter()
        response = send()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code == 429:
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        response.raise_for_status()
        return elapsed, response


def main(app_url: str, rasa_url: str, point: str, conversations: int, timeout: float) -> None:
    direct: list[float] = []
    gateway: list[float] = []
    degraded = 0
    languages = list(SCRIPT)
    with httpx.Client(timeout=timeout) as client:
        for number in range(conversations):
            lang = languages[number % len(languages)]
            sender, conversation = f"bench-{uuid.uuid4().hex[:12]}", f"bench-{uuid.uuid4().hex[:12]}"
            for turn, message in enumerate(SCRIPT[lang]):
                # Calls bound to this turn's message (partial, not a closure over the loop variables).
                to_rasa = functools.partial(
                    client.post,
                    f"{rasa_url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": message, "metadata": {"channel": "web", "point": point}},
                )
                to_gateway = functools.partial(
                    client.post,
                    f"{app_url}/api/chat",
                    json={"conversation_id": conversation, "message": message, "channel": "web", "point": point},
                )

                first, second = (to_rasa, to_gateway) if (number + turn) % 2 == 0 else (to_gateway, to_rasa)
                results = {first: timed(first), second: timed(second)}
                direct.append(results[to_rasa][0])
                gateway.append(results[to_gateway][0])
                # A degraded answer is the gateway failing fast, which would flatter the figures.
                degraded += bool(results[to_gateway][1].json().get("degraded"))
    added = [g - d for g, d in zip(gateway, direct, strict=True)]
    print(
        f"messages {len(direct)} per path ({conversations} conversations, fi/sv/en), "
        f"degraded gateway answers {degraded}"
    )
    print(f"Rasa directly  ms: p50 {statistics.median(direct):6.1f}  p95 {percentile(direct, 0.95):6.1f}")
    print(f"via /api/chat  ms: p50 {statistics.median(gateway):6.1f}  p95 {percentile(gateway, 0.95):6.1f}")
    print(
        f"added by the gateway ms: p50 {statistics.median(gateway) - statistics.median(direct):+.1f}  "
        f"p95 {percentile(gateway, 0.95) - percentile(direct, 0.95):+.1f}  "
        f"(median of per-message differences {statistics.median(added):+.1f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="http://localhost:8000")
    parser.add_argument("--rasa", default="http://localhost:5005")
    parser.add_argument("--point", default="example-point")
    parser.add_argument("--conversations", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    main(args.app.rstrip("/"), args.rasa.rstrip("/"), args.point, args.conversations, args.timeout)
