"""Soak: many concurrent conversations through the gateway for minutes; errors, p95 per minute, memory.

Run against a running stack (`make run`, or any stack whose supervisor socket or pids you give):
    .venv-web/bin/python bench/soak.py                        # 50 conversations, 10 minutes
    .venv-web/bin/python bench/soak.py --conversations 20 --minutes 2
    .venv-web/bin/python bench/soak.py --supervisor-socket /tmp/x/supervisor.sock   # another RUN_DIR
    .venv-web/bin/python bench/soak.py --pid rasa=123 --pid actions=124 --pid web=125
Each simulated customer sends a message, reads the reply for `--think` seconds, and sends the next; after
its script it leaves and a new customer (a new conversation) takes its place. Every customer has its own
address in X-Forwarded-For, as behind nginx (uvicorn trusts it from 127.0.0.1), so the gateway's
per-address limit sees 50 customers rather than one. The baseline is one customer alone, measured first
in the same run; each minute's figures are printed beside it. Memory is VmRSS from /proc/<pid>/status of
each part at the start, every minute, and at the end (VmHWM: the peak).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("rasa", "actions", "web")
SCRIPT = {
    "fi": [
        "Hei",
        "Tarvitsen lomakkeen yleistä asumistukea varten",
        "Jäin työttömäksi, mitä teen?",
        "Mihin aikaan asiointipiste on auki?",
        "Muutan toiselle paikkakunnalle",
        "Kiitos",
    ],
    "sv": [
        "Hej",
        "Var hittar jag blanketten för barnbidrag?",
        "Jag ska flytta utomlands",
        "När är servicepunkten öppen?",
        "Tack",
    ],
    "en": [
        "Hello",
        "How do I apply for student financial aid?",
        "We just had a baby",
        "When is the service point open?",
        "Thanks",
    ],
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass
class Minute:
    """What happened to the messages sent in one minute of the run."""

    latencies: list[float] = field(default_factory=list)  # ms of answered (not degraded) messages
    errors: int = 0  # no HTTP answer, or a status other than 200 and 429
    degraded: int = 0  # 200, but the assistant did not answer (Rasa or the action server was down)
    limited: int = 0  # 429 from the gateway's limits
    memory: dict[str, float] = field(default_factory=dict)  # MB at the minute's end


def memory_mb(pid: int, key: str = "VmRSS") -> float:
    """A process's VmRSS (or VmHWM) in MB; nan when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def supervised_pids(conf: Path, socket: str | None) -> dict[str, int]:
    """The parts' pids from supervisor (`supervisorctl pid <name>`)."""
    command = [str(ROOT / ".venv-web" / "bin" / "supervisorctl"), "-c", str(conf)]
    if socket:
        command += ["-s", socket if socket.startswith("unix://") else f"unix://{socket}"]
    pids = {}
    for part in PARTS:
        out = subprocess.run([*command, "pid", part], capture_output=True, text=True, timeout=30).stdout.strip()
        if not out.isdigit() or out == "0":
            sys.exit(f"supervisor does not run {part!r} ({out!r}); give --pid {part}=PID instead")
        pids[part] = int(out)
    return pids


class Soak:
    def __init__(self, args: argparse.Namespace, pids: dict[str, int]):
        self.args = args
        self.pids = pids
        self.addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
        self.started = 0.0
        self.minutes: list[Minute] = []

    async def send(self, client: httpx.AsyncClient, conversation: str, message: str, address: str) -> tuple:
        """(outcome, ms): outcome is ok, degraded, limited or error."""
        body = {"conversation_id": conversation, "message": message, "channel": "web", "point": self.args.point}
        headers = {"X-Forwarded-For": address}
        if self.args.origin:
            headers["Origin"] = self.args.origin
        started = time.perf_counter()
        try:
            response = await client.post("/api/chat", json=body, headers=headers)
        except httpx.HTTPError:
            return "error", 0.0
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code == 429:
            return "limited", elapsed
        if response.status_code != 200:
            return "error", elapsed
        try:
            reply = response.json()
        except ValueError:
            return "error", elapsed
        return ("degraded" if reply.get("degraded") else "ok"), elapsed

    async def baseline(self, client: httpx.AsyncClient) -> list[float]:
        """One customer alone: every script once, no think time; latencies of answered messages."""
        latencies = []
        address = next(self.addresses)
        for lang, messages in SCRIPT.items():
            conversation = f"soak-base-{lang}-{uuid.uuid4().hex[:10]}"
            for message in messages:
                outcome, elapsed = await self.send(client, conversation, message, address)
                if outcome == "ok":
                    latencies.append(elapsed)
        return latencies

    async def customer(self, client: httpx.AsyncClient, number: int, until: float) -> None:
        languages = itertools.cycle(list(SCRIPT)[number % 3 :] + list(SCRIPT)[: number % 3])
        # Customers start spread over the first think time, not all in the same millisecond.
        await asyncio.sleep(self.args.think * number / self.args.conversations)
        while time.monotonic() < until:
            lang, address = next(languages), next(self.addresses)
            conversation = f"soak-{uuid.uuid4().hex[:16]}"
            for message in SCRIPT[lang]:
                if time.monotonic() >= until:
                    return
                sent = time.monotonic()
                outcome, elapsed = await self.send(client, conversation, message, address)
                minute = self.minutes[min(int((sent - self.started) // 60), len(self.minutes) - 1)]
                if outcome == "ok":
                    minute.latencies.append(elapsed)
                elif outcome == "degraded":
                    minute.degraded += 1
                elif outcome == "limited":
                    minute.limited += 1
                else:
                    minute.errors += 1
                await asyncio.sleep(self.args.think)

    async def sample_memory(self, until: float) -> None:
        """Each minute's memory, taken at its end."""
        for index, minute in enumerate(self.minutes):
            await asyncio.sleep(max(0.0, self.started + 60 * (index + 1) - time.monotonic()))
            minute.memory = {part: memory_mb(pid) for part, pid in self.pids.items()}
            if time.monotonic() >= until:
                return

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=self.args.conversations + 5)
        async with httpx.AsyncClient(base_url=self.args.app, timeout=self.args.timeout, limits=limits) as client:
            start_memory = {part: memory_mb(pid) for part, pid in self.pids.items()}
            base = await self.baseline(client)
            if not base:
                sys.exit("the assistant did not answer the baseline customer: is the stack up?")
            self.minutes = [Minute() for _ in range(max(1, round(self.args.minutes)))]
            self.started = time.monotonic()
            until = self.started + 60 * self.args.minutes
            await asyncio.gather(
                self.sample_memory(until),
                *(self.customer(client, n, until) for n in range(self.args.conversations)),
            )
            end_memory = {part: memory_mb(pid) for part, pid in self.pids.items()}
            peak_memory = {part: memory_mb(pid, "VmHWM") for part, pid in self.pids.items()}
        self.report(base, start_memory, end_memory, peak_memory)

    def report(self, base: list[float], start: dict, end: dict, peak: dict) -> None:
        base_p50, base_p95 = percentile(base, 0.5), percentile(base, 0.95)
        a = self.args
        print(
            f"soak: {a.conversations} conversations for {a.minutes:g} min through {a.app}/api/chat, think {a.think:g} s"
        )
        print(f"baseline (one customer alone, {len(base)} messages): p50 {base_p50:.0f} ms, p95 {base_p95:.0f} ms")
        parts = " ".join(f"{part + ' MB':>10}" for part in self.pids)
        print(
            f"{'minute':>6} {'messages':>8} {'errors':>6} {'degraded':>8} {'429':>5} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p95/base':>8} {parts}"
        )
        total = Minute()
        for number, minute in enumerate(self.minutes, 1):
            sent = len(minute.latencies) + minute.errors + minute.degraded + minute.limited
            memory = " ".join(f"{minute.memory.get(part, float('nan')):>10.0f}" for part in self.pids)
            p95 = percentile(minute.latencies, 0.95)
            print(
                f"{number:>6} {sent:>8} {minute.errors:>6} {minute.degraded:>8} {minute.limited:>5} "
                f"{percentile(minute.latencies, 0.5):>7.0f} {p95:>7.0f} {p95 / base_p95:>8.2f} {memory}"
            )
            total.latencies += minute.latencies
            total.errors, total.degraded = total.errors + minute.errors, total.degraded + minute.degraded
            total.limited += minute.limited
        sent = len(total.latencies) + total.errors + total.degraded + total.limited
        p95 = percentile(total.latencies, 0.95)
        print(
            f"{'all':>6} {sent:>8} {total.errors:>6} {total.degraded:>8} {total.limited:>5} "
            f"{percentile(total.latencies, 0.5):>7.0f} {p95:>7.0f} {p95 / base_p95:>8.2f}"
        )
        print(f"{'memory (VmRSS MB)':<18} {'start':>8} {'end':>8} {'change':>8} {'peak':>8}")
        for part in self.pids:
            print(
                f"{part:<18} {start[part]:>8.0f} {end[part]:>8.0f} {end[part] - start[part]:>+8.0f} {peak[part]:>8.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="http://localhost:8000", help="the web app (the gateway)")
    parser.add_argument("--point", default="example-point")
    parser.add_argument("--origin", default=None, help="an Origin header, if the stack only allows some")
    parser.add_argument("--conversations", type=int, default=50, help="customers at the same time")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--think", type=float, default=3.0, help="seconds a customer reads a reply")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--supervisor-conf", type=Path, default=ROOT / "deploy" / "supervisord.conf")
    parser.add_argument("--supervisor-socket", default=None, help="another stack's RUN_DIR/supervisor.sock")
    parser.add_argument("--pid", action="append", default=[], metavar="PART=PID", help="instead of supervisor")
    args = parser.parse_args()
    args.app = args.app.rstrip("/")
    if args.pid:
        pids = {part: int(pid) for part, pid in (item.split("=", 1) for item in args.pid)}
    else:
        pids = supervised_pids(args.supervisor_conf, args.supervisor_socket)
    asyncio.run(Soak(args, pids).run())


if __name__ == "__main__":
    main()
