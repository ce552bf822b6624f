"""A model swap on a running stack (`make run`): time until every Rasa instance runs the activated model,
conversations during the swap (errors, p50/p95/max latency) against the same loop without a swap, and
the Rasa process's peak memory (VmHWM) while it loads the new model.

    .venv-web/bin/python bench/model_swap.py --user admin --password '…' [--train] [--rasa-pid PID]

It signs in to /staff like an editor, trains a model with the Train button's route when --train is given
(printing the training time) or when no other ready model exists, then activates another ready model.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

MESSAGES = ["Hei", "Miten haen asumistukea?", "Hej, jag har flyttat", "When are you open?", "Kiitos"]


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if match is None:
        raise SystemExit("no CSRF token on the page: not signed in?")
    return match.group(1)


def sign_in(web: httpx.Client, user: str, password: str) -> str:
    page = web.get("/staff/login")
    web.post("/staff/login", data={"csrf_token": csrf(page.text), "username": user, "password": password})
    return csrf(web.get("/staff/password").text)


def model_rows(web: httpx.Client) -> list[tuple[int, str]]:
    html = web.get("/staff/training/models").text
    return [(int(m), s) for m, s in re.findall(r'data-model="(\d+)" data-state="(\w+)"', html)]


def train(web: httpx.Client, token: str) -> int:
    started = time.monotonic()
    response = web.post("/staff/training/models/train", data={"csrf_token": token})
    match = re.search(r"/staff/training/models/(\d+)\?", response.headers.get("location", ""))
    if match is None:
        raise SystemExit(f"training was not queued: {response.headers.get('location')}")
    model = int(match.group(1))
    stages = []
    while True:
        job = web.get(f"/staff/training/models/{model}/progress.json", headers={"Accept": "application/json"}).json()
        if not stages or stages[-1] != job["stage"]:
            stages.append(job["stage"])
            print(f"  {time.monotonic() - started:6.1f} s  {job['progress']:3d} %  {job['stage']}")
        if not job["running"]:
            break
        time.sleep(1)
    print(f"training from the button: {time.monotonic() - started:.1f} s, state {job['state']}")
    if job["state"] != "ready":
        raise SystemExit(job["log_tail"][-2000:])
    return model


async def conversations(rasa: str, stop: asyncio.Event, latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        while not stop.is_set():
            sender = f"swap-{uuid.uuid4().hex[:10]}"
            for message in MESSAGES:
                started = time.monotonic()
                try:
                    response = await client.post(
                        f"{rasa}/webhooks/rest/webhook",
                        json={"sender": sender, "message": message, "metadata": {"channel": "kiosk"}},
                    )
                    response.raise_for_status()
                    response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    errors.append(repr(exc))
                latencies.append(time.monotonic() - started)


def peak_rss(pid: int | None) -> str:
    if pid is None:
        return "?"
    status = Path(f"/proc/{pid}/status").read_text()
    values = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.M))
    return f"VmHWM {int(values['VmHWM']) // 1024} MB, VmRSS {int(values['VmRSS']) // 1024} MB"


def summary(name: str, latencies: list[float], errors: list[str]) -> None:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if ordered else 0
    print(
        f"{name}: {len(latencies)} requests, {len(errors)} errors, p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {max(ordered) * 1000:.0f} ms"
    )


async def loop_for(rasa: str, seconds: float, concurrency: int) -> tuple[list[float], list[str]]:
    stop, latencies, errors = asyncio.Event(), [], []
    tasks = [asyncio.create_task(conversations(rasa, stop, latencies, errors)) for _ in range(concurrency)]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    return latencies, errors


async def swap(args, web: httpx.Client, token: str, target: int) -> None:
    instances = args.rasa
    name = f"model-{target:05d}.tar.gz"
    stop, latencies, errors = asyncio.Event(), [], []
    tasks = [asyncio.create_task(conversations(instances[0], stop, latencies, errors)) for _ in range(args.concurrency)]
    await asyncio.sleep(2)
    started = time.monotonic()
    response = await asyncio.to_thread(
        web.post, f"/staff/training/models/{target}/activate", data={"csrf_token": token, "reason": "bench"}
    )
    if "notice=activated" not in response.headers.get("location", ""):
        raise SystemExit(f"not activated: {response.status_code} {response.headers.get('location')}")
    pending = set(instances)
    peak = peak_rss(args.rasa_pid)
    async with httpx.AsyncClient(timeout=5) as client:
        while pending and time.monotonic() - started < 120:
            for url in list(pending):
                try:
                    status = (await client.get(f"{url}/status", params={"token": args.rasa_token})).json()
                except (httpx.HTTPError, ValueError):
                    continue
                if status.get("model_file") == name:
                    print(f"{url} runs {name} after {time.monotonic() - started:.1f} s")
                    pending.discard(url)
            if args.rasa_pid:
                peak = peak_rss(args.rasa_pid)
            await asyncio.sleep(0.2)
    await asyncio.sleep(3)
    stop.set()
    await asyncio.gather(*tasks)
    summary("during the swap", latencies, errors)
    print(f"Rasa process memory after the swap: {peak}")
    if pending:
        raise SystemExit(f"not switched within 120 s: {sorted(pending)}")
    if errors:
        print("errors:", *errors[:5], sep="\n  ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--web", default="http://127.0.0.1:8000")
    parser.add_argument("--rasa", nargs="+", default=["http://127.0.0.1:5005"], help="every Rasa instance")
    parser.add_argument("--rasa-token", default=None, help="RASA_TOKEN (default: var/rasa_token)")
    parser.add_argument("--rasa-pid", type=int, default=None, help="the Rasa server's pid, for its memory")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--train", action="store_true", help="train a new model first")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    args = parser.parse_args()
    if args.rasa_token is None:
        args.rasa_token = Path("var/rasa_token").read_text().strip()
    with httpx.Client(base_url=args.web, timeout=30, follow_redirects=False) as web:
        token = sign_in(web, args.user, args.password)
        rows = model_rows(web)
        if args.train or not [m for m, state in rows if state in ("ready", "retired")]:
            train(web, token)
            rows = model_rows(web)
        candidates = [m for m, state in rows if state in ("ready", "retired")]
        if not candidates:
            raise SystemExit("no model to activate")
        print(f"Rasa process memory before: {peak_rss(args.rasa_pid)}")
        latencies, errors = asyncio.run(loop_for(args.rasa[0], args.baseline_seconds, args.concurrency))
        summary("without a swap", latencies, errors)
        asyncio.run(swap(args, web, token, candidates[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
