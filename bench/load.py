"""Load on Rasa's REST channel: this project beside the bare Rasa 3.6.21 starter bot, and the scaled profile (issue 16).

    .venv-web/bin/python bench/load.py             # everything: about 15 minutes (+2 for the first starter build)
    .venv-web/bin/python bench/load.py --only project,starter --rounds 1 --saturation-seconds 20
    .venv-web/bin/python bench/load.py --only scaled --workloads large,saturation
    .venv-web/bin/python bench/load.py --profile /tmp/profile --json /tmp/load.json

Needs `make venvs` and `make model` (models/assistant.tar.gz); nothing else has to run: the script starts and
stops every system itself, on its own ports, with its databases, model bank and supervisor files in a
temporary directory (nothing of var/ is touched):

- the project's default profile: scripts/run.sh under supervisor, one Rasa instance over SQLite;
- the starter bot: `rasa init --no-prompt` built once into build/starter-bot/ (it trains the starter model,
  a few minutes) and reused while its model is there, served by `rasa run` (in-memory tracker store, no
  action server);
- the scaled profile: scripts/run-scaled.sh with SCALED_RASA=1 and then SCALED_RASA=2 behind its load
  balancer; skipped, saying so, while that script does not exist (or with --no-scaled).

Every message goes straight to a Rasa REST webhook (`/webhooks/rest/webhook`, for the project through the
load balancer when scaled) from one aiohttp client; the project's conversations are bench/latency.py's
scripts (fi, sv, en in turn), the starter bot's four messages of intents it knows. Workloads:

- small / large: 50 / 200 conversations, each one script of four messages with 2.5-3.5 s of reading time
  between them, the conversations starting spread over the first 3 s;
- saturation: 20 conversations (40 for the scaled profile) sending with no pause, each starting its script
  again in a new conversation, for --saturation-seconds; throughput is answered messages per wall second.

The project and the starter bot run at the same time and are loaded in turn, round by round (project,
starter, project, starter, ... --rounds of each per workload), so both see the same machine. The scaled
profile's two sizes cannot share ports, so they run one after the other: all rounds with one Rasa instance,
then all with two. A row pools its rounds: p50/p95/max over every answered message of all its rounds,
errors summed, msg/s = answered messages of all rounds / their summed wall seconds. An error is no
answer within --timeout, a status other than 2xx, or an empty reply list. A warm-up of a few messages
follows every start and is not counted. The ratios against the issue's targets come last.

--profile DIR runs py-spy (`.venv-web/bin/pip install py-spy`; not a requirement of the project) on the
project's Rasa process and on its action server during one extra project saturation round, after the
measured ones (the profiler's own CPU would lower a measured round's throughput on two cores), writes
DIR/rasa.txt and DIR/actions.txt (collapsed stacks, for a flame graph too) and prints each part's top
functions by self samples, by inclusive samples, and the project's own functions by inclusive samples.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.latency import SCRIPT, percentile

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "assistant.tar.gz"
RASA_VENV = ROOT / ".venv-rasa"
SUPERVISORCTL = ROOT / ".venv-web" / "bin" / "supervisorctl"
SUPERVISOR_CONF = ROOT / "deploy" / "supervisord.conf"
PY_SPY = ROOT / ".venv-web" / "bin" / "py-spy"
RUN_SCRIPT = ROOT / "scripts" / "run.sh"
RUN_SCALED_SCRIPT = ROOT / "scripts" / "run-scaled.sh"
STARTER_DIR = ROOT / "build" / "starter-bot"
WEBHOOK = "/webhooks/rest/webhook"

# The project's scripts are bench/latency.py's (fi, sv, en in turn); the starter bot's use the intents of
# `rasa init`'s data (greet, mood_unhappy, affirm, deny, mood_great, bot_challenge, goodbye), four messages
# each like the project's, so both answer the same number of turns per conversation.
PROJECT_SCRIPTS = [SCRIPT[lang] for lang in ("fi", "sv", "en")]
STARTER_SCRIPTS = [
    ["hi", "I am sad", "yes", "bye"],
    ["hello there", "I am feeling very good", "are you a bot?", "goodbye"],
    ["hey", "I'm unhappy", "no", "see you later"],
]
# Variables of the Makefile or of a developer's shell that would point a started stack at var/ or at the
# developer's own stack (as tests/fault/conftest.py drops them).
INHERITED = (
    "ACTION_ENDPOINT_URL",
    "MODEL_SERVER_URL",
    "RASA_URL",
    "ACTION_SERVER_URL",
    "TRACKER_STORE_URL",
    "RASA_INSTANCES",
    "SUPERVISOR_CONF",
    "TRACKER_DIALECT",
    "TRACKER_DB",
    "APP_DATABASE_URL",
    "MODEL_BANK_DIR",
)
STARTUP_SECONDS = 600  # two stacks loading TensorFlow at once on two cores, while other work runs
STAGGER_SECONDS = 3.0
THINK_SECONDS = (2.5, 3.5)
TOP = 15
# The project's packages (pyproject's known-first-party): py-spy names their files `bot/channels.py` etc.
OWN_PACKAGES = ("actions", "booking", "bot", "kiosk_ui", "privacy", "service_catalogue", "store", "training")


class BenchError(Exception):
    """A system could not be built or started; the message says which and why."""


# --- the systems under test -------------------------------------------------------------------------


@dataclass
class System:
    """One system under test this script started: its process, webhook, scripts and files."""

    label: str
    url: str  # the REST webhook
    scripts: list[list[str]]
    command: list[str]
    cwd: Path
    env: dict[str, str]
    log: Path
    run_dir: Path | None = None  # supervisor's RUN_DIR, for the project's stacks
    # Webhooks that must answer too before the system is ready: each Rasa instance behind a load balancer,
    # which would otherwise answer with the first instance while the others are still loading their model.
    also_ready: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None

    def script(self, number: int) -> list[str]:
        """The messages of the conversation with this number."""
        return self.scripts[number % len(self.scripts)]

    def start(self) -> None:
        """Start the process in a session of its own (its process group is what stop() ends)."""
        print(f"starting {self.label}: {' '.join(self.command)} (log {self.log})", flush=True)
        # Append mode: supervisor opens /dev/stdout again for each program, which must not truncate the file.
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def supervised_pids(self) -> dict[str, int]:
        """Pids of the running supervised parts by name (supervisorctl status); empty without supervisor."""
        if self.run_dir is None or not (self.run_dir / "supervisor.sock").exists():
            return {}
        command = [str(SUPERVISORCTL), "-c", str(SUPERVISOR_CONF), "-s", f"unix://{self.run_dir}/supervisor.sock"]
        try:
            out = subprocess.run([*command, "status"], capture_output=True, text=True, timeout=30, env=self.env).stdout
        except (OSError, subprocess.TimeoutExpired):
            return {}
        pids = {}
        for line in out.splitlines():
            # "rasa   RUNNING   pid 123, uptime 0:01:02"; a scaled stack may name its parts otherwise.
            words = line.replace(",", " ").split()
            if len(words) >= 4 and words[1] == "RUNNING" and words[2] == "pid" and words[3].isdigit():
                pids[words[0]] = int(words[3])
        return pids

    def stop(self) -> None:
        """SIGTERM to the session (run.sh has exec'd supervisord, which stops its parts); SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        # Supervisor puts each part in a process group of its own: note them first, in case it hangs.
        parts = self.supervised_pids()
        print(f"stopping {self.label}", flush=True)
        with suppress(ProcessLookupError):  # already gone is what stopping wants
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            for pid in (self.process.pid, *parts.values()):
                with suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        """The end of the system's log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by each part (supervised program, or the system's own process), workers included."""
        pids = self.supervised_pids() or ({self.label: self.process.pid} if self.process else {})
        # Supervisor names a group's processes "rasa:rasa-0", "rasa:rasa-1": the instances count together as "rasa".
        used: dict[str, float] = {}
        for name, pid in pids.items():
            part = name.split(":")[0]
            used[part] = used.get(part, 0.0) + sum(process_cpu(p) for p in process_tree(pid))
        return used


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's and Sanic's workers, HAProxy's), from /proc."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        with suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
    return tree


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of one process (utime + stime of /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def check_ports(label: str, ports: dict[str, int]) -> None:
    """Fail before starting anything when a port is taken (another stack's answers would be measured)."""
    taken = [f"{name} {port}" for name, port in ports.items() if not port_free(port)]
    if taken:
        raise BenchError(f"{label}: port(s) in use: {', '.join(taken)}; choose others (see --help)")


def base_env() -> dict[str, str]:
    """The environment without the variables that would point a started stack elsewhere."""
    return {key: value for key, value in os.environ.items() if key not in INHERITED}


def ensure_starter_bot() -> Path:
    """build/starter-bot with a trained model: `rasa init --no-prompt` once, reused while its model is there."""
    if list((STARTER_DIR / "models").glob("*.tar.gz")):
        return STARTER_DIR
    print("building the Rasa starter bot once (rasa init --no-prompt: trains its model, a few minutes)", flush=True)
    # Into a fresh sibling directory, renamed only when training succeeded: an interrupted build leaves
    # nothing that would look finished.
    STARTER_DIR.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="starter-bot.", dir=STARTER_DIR.parent))
    log = STARTER_DIR.parent / "starter-bot-init.log"
    env = base_env()
    env.pop("PYTHONPATH", None)  # the starter bot must not import the project's packages
    env["RASA_TELEMETRY_ENABLED"] = "false"
    started = time.monotonic()
    try:
        with log.open("w") as out:
            done = subprocess.run(
                [str(RASA_VENV / "bin" / "rasa"), "init", "--no-prompt", "--init-dir", str(building)],
                cwd=building,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)  # subprocess.run has killed rasa init (Ctrl-C)
        raise
    if done.returncode != 0 or not list((building / "models").glob("*.tar.gz")):
        shutil.rmtree(building, ignore_errors=True)
        raise BenchError(f"rasa init failed (exit {done.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
    shutil.rmtree(STARTER_DIR, ignore_errors=True)
    building.rename(STARTER_DIR)
    print(f"starter bot built in {time.monotonic() - started:.0f} s", flush=True)
    return STARTER_DIR


def starter_system(port: int, tmp: Path) -> System:
    """The starter bot served by `rasa run` from build/starter-bot (its credentials.yml has `rest:`)."""
    env = base_env()
    env.pop("PYTHONPATH", None)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return System(
        label="starter",
        url=f"http://127.0.0.1:{port}{WEBHOOK}",
        scripts=STARTER_SCRIPTS,
        command=[str(RASA_VENV / "bin" / "rasa"), "run", "--port", str(port), "-i", "127.0.0.1"],
        cwd=STARTER_DIR,
        env=env,
        log=tmp / "starter.log",
    )


def project_system(label: str, script: Path, ports: dict[str, int], tmp: Path, extra: dict[str, str]) -> System:
    """The project as run.sh or run-scaled.sh starts it, on its own ports with its files under `tmp`."""
    run_dir = tmp / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **base_env(),
        **{name: str(port) for name, port in ports.items()},
        **extra,
        "RUN_DIR": str(run_dir),
        # Set here so that run.sh writes no token file and prints no one-time admin password.
        "RASA_TOKEN": uuid.uuid4().hex,
        "STAFF_ADMIN_USER": "load-admin",
        "STAFF_ADMIN_PASSWORD": uuid.uuid4().hex,
        "MODEL_BANK_DIR": str(tmp / "models"),
    }
    return System(
        label=label,
        url=f"http://127.0.0.1:{ports['RASA_PORT']}{WEBHOOK}",
        scripts=PROJECT_SCRIPTS,
        command=[str(script)],
        cwd=ROOT,
        env=env,
        log=tmp / "run.log",
        run_dir=run_dir,
    )


def default_profile(ports: list[int], tmp: Path) -> System:
    """scripts/run.sh: one Rasa instance, SQLite tracker store and app database in `tmp`."""
    names = ("RASA_PORT", "ACTION_PORT", "WEB_PORT")
    extra = {
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_DB": str(tmp / "tracker.db"),
        "TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "APP_DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
    }
    return project_system("project", RUN_SCRIPT, dict(zip(names, ports, strict=True)), tmp, extra)


def scaled_profile(instances: int, ports: list[int], tmp: Path) -> System:
    """scripts/run-scaled.sh with SCALED_RASA instances behind the load balancer on RASA_PORT."""
    names = ("RASA_PORT", "ACTION_PORT", "WEB_PORT", "PG_PORT", "REDIS_PORT")
    extra = {"SCALED_RASA": str(instances)}
    system = project_system(f"scaled ×{instances}", RUN_SCALED_SCRIPT, dict(zip(names, ports, strict=True)), tmp, extra)
    # run-scaled.sh's instances listen on the ports after the load balancer's (RASA_FIRST_PORT).
    system.also_ready = [f"http://127.0.0.1:{ports[0] + n}{WEBHOOK}" for n in range(1, instances + 1)]
    return system


def wait_ready(systems: list[System], seconds: float = STARTUP_SECONDS) -> None:
    """Until every webhook of every system answers a REST message with a non-empty reply (its model is loaded)."""
    waiting = {system.label: [system.url, *system.also_ready] for system in systems}
    started = time.monotonic()
    with httpx.Client(timeout=15) as client:
        while waiting:
            for system in systems:
                if system.label not in waiting:
                    continue
                assert system.process is not None
                if system.process.poll() is not None:
                    raise BenchError(f"{system.label} ended (exit {system.process.returncode}):\n{system.tail()}")
                for url in list(waiting[system.label]):
                    body = {"sender": f"load-ready-{uuid.uuid4().hex[:12]}", "message": system.script(0)[0]}
                    try:
                        response = client.post(url, json=body)
                        if response.is_success and response.json():
                            waiting[system.label].remove(url)
                    except (httpx.HTTPError, ValueError):
                        pass
                if not waiting[system.label]:
                    print(f"{system.label} answers after {time.monotonic() - started:.0f} s", flush=True)
                    del waiting[system.label]
            if waiting and time.monotonic() - started > seconds:
                late = [system for system in systems if system.label in waiting]
                names = ", ".join(system.label for system in late)
                raise BenchError(f"{names} did not answer within {seconds:.0f} s:\n{late[0].tail()}")
            if waiting:
                time.sleep(1)


# --- the load ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """What a round sends: paced conversations of one script each, or saturation for `seconds`."""

    key: str  # small, large, saturation
    conversations: int
    seconds: float | None = None  # saturation when set: no pause, scripts repeated until then

    @property
    def title(self) -> str:
        """The workload as the table names it."""
        if self.seconds is None:
            return f"{self.conversations} conv, ~3 s pauses"
        return f"saturation, {self.conversations} conv, {self.seconds:g} s"


@dataclass
class Round:
    """What one round of one workload on one system measured."""

    latencies: list[float] = field(default_factory=list)  # ms of the answered messages
    errors: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0  # seconds from the round's start to its last answer
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds each part used during the round
    client_cpu: float = 0.0  # CPU seconds this script (the load generator) used during the round

    @property
    def rate(self) -> float:
        """Answered messages per wall second."""
        return len(self.latencies) / self.wall if self.wall else 0.0


class Load:
    """Sends a workload's conversations to one system's webhook and records every message."""

    def __init__(self, system: System, timeout: float, seed: int):
        self.system = system
        self.timeout = timeout
        self.rng = random.Random(seed)

    async def send(self, client: aiohttp.ClientSession, sender: str, text: str, result: Round) -> None:
        """One message; its latency when answered, otherwise the kind of error."""
        body = {"sender": sender, "message": text, "metadata": {"channel": "web"}}
        started = time.perf_counter()
        try:
            async with client.post(self.system.url, json=body) as response:
                if not 200 <= response.status < 300:
                    result.errors[f"HTTP {response.status}"] += 1
                    return
                content = await response.read()
        except TimeoutError:
            result.errors["timeout"] += 1
            return
        except aiohttp.ClientError as exc:
            result.errors[type(exc).__name__] += 1
            return
        elapsed = (time.perf_counter() - started) * 1000
        try:
            replies = json.loads(content)
        except ValueError:
            result.errors["not JSON"] += 1
            return
        if not replies:
            result.errors["empty reply"] += 1
            return
        result.latencies.append(elapsed)

    async def paced(self, client: aiohttp.ClientSession, number: int, waits: list[float], result: Round) -> None:
        """One conversation: its script, waiting waits[0] before the first message and waits[n] before the n-th."""
        sender = f"load-{uuid.uuid4().hex[:16]}"
        for text, wait in zip(self.system.script(number), waits, strict=True):
            await asyncio.sleep(wait)
            await self.send(client, sender, text, result)

    async def saturating(self, client: aiohttp.ClientSession, number: int, until: float, result: Round) -> None:
        """Scripts back to back with no pause, each in a new conversation, until `until`."""
        repeat = 0
        while time.monotonic() < until:
            sender = f"load-{uuid.uuid4().hex[:16]}"
            for text in self.system.script(number + repeat):
                if time.monotonic() >= until:
                    return
                await self.send(client, sender, text, result)
            repeat += 1

    @staticmethod
    def session(timeout: float) -> aiohttp.ClientSession:
        """The load client: one connection per conversation, none refused, `timeout` per message."""
        # aiohttp, not httpx: the client shares the two cores with what it measures, and httpx's pool spent
        # 1.5 ms of CPU per request with one connection and 8 ms with 200 open (aiohttp 0.2-0.3 ms, on the
        # same local server), so at 200 conversations the client itself took a third of a core.
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    async def run(self, workload: Workload) -> Round:
        """One round of the workload."""
        result = Round()
        async with self.session(self.timeout) as client:
            started = time.monotonic()
            if workload.seconds is None:
                # Drawn before anything is sent, so that every system of a round gets the same start offsets
                # and reading times (the order in which coroutines run would otherwise shuffle them).
                waits = [
                    [self.rng.uniform(0, STAGGER_SECONDS)]
                    + [self.rng.uniform(*THINK_SECONDS) for _ in self.system.script(n)[1:]]
                    for n in range(workload.conversations)
                ]
                jobs = [self.paced(client, n, waits[n], result) for n in range(workload.conversations)]
            else:
                until = started + workload.seconds
                jobs = [self.saturating(client, n, until, result) for n in range(workload.conversations)]
            await asyncio.gather(*jobs)
            result.wall = time.monotonic() - started
        return result

    async def warm_up(self) -> None:
        """Every script once, then a few conversations at once; not measured."""
        result = Round()
        async with self.session(max(self.timeout, 60)) as client:
            for number in range(len(self.system.scripts)):
                sender = f"load-warm-{uuid.uuid4().hex[:12]}"
                for text in self.system.script(number):
                    await self.send(client, sender, text, result)
            # A few at once, so that the first concurrent round does not pay for lazy set-ups either.
            await asyncio.gather(
                *(
                    self.send(client, f"load-warm-{uuid.uuid4().hex[:12]}", self.system.script(n)[0], result)
                    for n in range(5)
                )
            )
        if result.errors:
            print(f"  warm-up of {self.system.label}: errors {dict(result.errors)}", flush=True)


# --- results ----------------------------------------------------------------------------------------


@dataclass
class Row:
    """A workload on a system: every round of it, pooled."""

    workload: Workload
    system: str
    rounds: list[Round] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        """The answered messages' latencies of all rounds."""
        return [ms for done in self.rounds for ms in done.latencies]

    @property
    def errors(self) -> Counter[str]:
        """The errors of all rounds by kind."""
        return sum((done.errors for done in self.rounds), Counter())

    @property
    def messages(self) -> int:
        """Messages sent, answered or not."""
        return len(self.latencies) + self.errors.total()

    @property
    def rate(self) -> float:
        """Pooled throughput: answered messages of all rounds over their summed wall seconds."""
        wall = sum(done.wall for done in self.rounds)
        return len(self.latencies) / wall if wall else 0.0

    def cores(self) -> dict[str, float]:
        """Cores each part kept busy on average: its CPU seconds of all rounds over their wall seconds."""
        wall = sum(done.wall for done in self.rounds)
        parts = {part for done in self.rounds for part in done.cpu}
        return (
            {part: sum(done.cpu.get(part, 0.0) for done in self.rounds) / wall for part in sorted(parts)}
            if wall
            else {}
        )

    def client_cores(self) -> float:
        """Cores the load generator (this script) kept busy on average during the rounds."""
        wall = sum(done.wall for done in self.rounds)
        return sum(done.client_cpu for done in self.rounds) / wall if wall else 0.0

    def p(self, share: float) -> float:
        """A latency percentile in ms; nan when nothing was answered."""
        values = self.latencies
        return percentile(values, share) if values else math.nan

    def as_json(self) -> dict:
        """The row's figures, and each round's."""
        return {
            "workload": self.workload.key,
            "title": self.workload.title,
            "system": self.system,
            "conversations": self.workload.conversations,
            "saturation_seconds": self.workload.seconds,
            "messages": self.messages,
            "answered": len(self.latencies),
            "errors": self.errors.total(),
            "error_kinds": dict(self.errors),
            "p50_ms": self.p(0.5),
            "p95_ms": self.p(0.95),
            "max_ms": max(self.latencies, default=math.nan),
            "messages_per_second": self.rate,
            "cores": self.cores(),
            "client_cores": self.client_cores(),
            "rounds": [
                {
                    "messages": len(done.latencies) + done.errors.total(),
                    "errors": done.errors.total(),
                    "wall_seconds": done.wall,
                    "messages_per_second": done.rate,
                    "p50_ms": percentile(done.latencies, 0.5) if done.latencies else math.nan,
                    "p95_ms": percentile(done.latencies, 0.95) if done.latencies else math.nan,
                }
                for done in self.rounds
            ],
        }


def print_table(title: str, rows: list[Row]) -> None:
    """One comparison's rows: conversations, messages, errors, p50/p95/max and msg/s."""
    print(f"\n{title}")
    header = (
        f"{'workload':<30} {'system':<10} {'conv':>5} {'rounds':>6} {'messages':>8} {'errors':>6} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'msg/s':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        kinds = f"  ({', '.join(f'{kind} {n}' for kind, n in row.errors.most_common())})" if row.errors else ""
        print(
            f"{row.workload.title:<30} {row.system:<10} {row.workload.conversations:>5} {len(row.rounds):>6} "
            f"{row.messages:>8} {row.errors.total():>6} {row.p(0.5):>7.0f} {row.p(0.95):>7.0f} "
            f"{max(row.latencies, default=math.nan):>7.0f} {row.rate:>6.1f}{kinds}"
        )
    print("p50/p95/max over all rounds' answered messages; msg/s = answered messages / summed wall seconds")
    print(
        f"cores kept busy per part (CPU seconds over wall seconds, workers included; the machine has {os.cpu_count()}):"
    )
    for row in rows:
        cores = row.cores()
        if cores:
            parts = "  ".join(f"{part} {value:.2f}" for part, value in cores.items())
            print(
                f"  {row.workload.title:<30} {row.system:<10} total {sum(cores.values()):.2f}:  {parts}"
                f"  (load client {row.client_cores():.2f})"
            )


def find(rows: list[Row], key: str, system: str) -> Row | None:
    """The row of a workload on a system, if it ran."""
    return next((row for row in rows if row.workload.key == key and row.system == system), None)


def ratios(rows: list[Row]) -> list[dict]:
    """The issue's targets: each figure, its target and whether it was met (None when it did not run)."""

    def line(what: str, value: float | None, target: str, met: bool | None, unit: str = "") -> dict:
        return {"what": what, "value": value, "unit": unit, "target": target, "met": met}

    out = []
    project, starter = find(rows, "small", "project"), find(rows, "small", "starter")
    if project and starter:
        value = project.p(0.95) / starter.p(0.95)
        what = f"project/starter p95 at {project.workload.conversations} conversations"
        what += f" (project errors {project.errors.total()})"
        out.append(line(what, value, "≤ 1.5, 0 errors", value <= 1.5 and not project.errors))
    else:
        out.append(line("project/starter p95 at 50 conversations", None, "≤ 1.5, 0 errors", None))
    for what, top, bottom, minimum in (
        ("project/starter saturation throughput", "project", "starter", 0.7),
        ("scaled 2/1 saturation throughput", "scaled ×2", "scaled ×1", 1.5),
    ):
        over, under = find(rows, "saturation", top), find(rows, "saturation", bottom)
        ratio = over.rate / under.rate if over and under and under.rate else None
        out.append(line(what, ratio, f"≥ {minimum}", None if ratio is None else ratio >= minimum))
    two = find(rows, "large", "scaled ×2")
    if two:
        value = two.p(0.95)
        what = f"scaled ×2 p95 at {two.workload.conversations} conversations (errors {two.errors.total()})"
        out.append(line(what, value, "< 500 ms, 0 errors", value < 500 and not two.errors, " ms"))
    else:
        out.append(line("scaled ×2 p95 at 200 conversations", None, "< 500 ms, 0 errors", None, " ms"))
    return out


def print_ratios(lines: list[dict]) -> None:
    """The ratios with PASS or MISS beside each (n/a for what did not run)."""
    print("\nratios")
    for item in lines:
        if item["value"] is None:
            figure, verdict = "n/a", "(not run)"
        else:
            # A ratio with two decimals, milliseconds whole.
            figure = f"{item['value']:.0f}{item['unit']}" if item["unit"] else f"{item['value']:.2f}"
            verdict = "PASS" if item["met"] else "MISS"
        print(f"{item['what']:<64} {figure:>8}   target {item['target']:<18} {verdict}")


# --- profiling --------------------------------------------------------------------------------------


def start_profilers(system: System, seconds: float, out_dir: Path) -> list[tuple[str, subprocess.Popen, Path]]:
    """py-spy record on the project's Rasa and action server for `seconds`; what it started."""
    pids = system.supervised_pids()
    out_dir.mkdir(parents=True, exist_ok=True)
    started: list[tuple[str, subprocess.Popen, Path]] = []
    for part in ("rasa", "actions"):
        if part not in pids:
            print(f"profile: supervisor shows no running {part!r} ({pids}); not profiled", flush=True)
            continue
        output = out_dir / f"{part}.txt"
        # --function: one line per function (its first line), not one per line being executed;
        # --nonblocking: the process is not paused to read its stacks, so it runs as it would unprofiled.
        command = [str(PY_SPY), "record", "--format", "raw", "--rate", "200", "--function", "--nonblocking"]
        command += ["-d", str(math.ceil(seconds)), "-p", str(pids[part]), "-o", str(output)]
        log = output.with_suffix(".log")
        with log.open("w") as err:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append((part, process, output))
    return started


def finish_profilers(profilers: list[tuple[str, subprocess.Popen, Path]], seconds: float) -> dict[str, dict]:
    """Wait for py-spy; each part's top functions, or py-spy's own words when it failed."""
    results = {}
    for part, process, output in profilers:
        try:
            process.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):  # already gone is what stopping wants
                os.killpg(process.pid, signal.SIGINT)  # py-spy writes what it has on Ctrl-C
            process.wait(timeout=30)
        said = output.with_suffix(".log").read_text(errors="replace").strip()
        if process.returncode != 0 or not output.exists():
            results[part] = {"error": f"py-spy exit {process.returncode}: {said}"}
            continue
        # py-spy's last words, e.g. "Samples: 1363 Errors: 223": --nonblocking reads stacks that are changing.
        summary = next((line for line in said.splitlines() if "Samples:" in line), "")
        results[part] = {
            "file": str(output),
            "py_spy": summary.removeprefix("py-spy> "),
            **top_functions(output.read_text(errors="replace")),
        }
    return results


def top_functions(collapsed: str, top: int = TOP) -> dict:
    """Self and inclusive samples per function from py-spy's raw output (`frame;frame;leaf count` lines)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    project: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = stack.split(";")
        total += samples
        own[frames[-1]] += samples
        # A recursive function is counted once per sample.
        for frame in set(frames):
            inclusive[frame] += samples
            # The outermost frames (the server's loop) lead the inclusive list; the project's own functions
            # by themselves say which of its code paths cost the most.
            if frame.rpartition(" (")[2].split("/")[0] in OWN_PACKAGES:
                project[frame] += samples
    return {
        "samples": total,
        "self": own.most_common(top),
        "inclusive": inclusive.most_common(top),
        "project inclusive": project.most_common(top),
    }


def print_profile(profile: dict) -> None:
    """Each part's top functions by self and by inclusive samples, in samples and shares of all."""
    if "skipped" in profile:
        return
    print(
        f"\nprofile (py-spy, 200 Hz): an extra project saturation round, not in the table, "
        f"{profile['messages_per_second']:.1f} msg/s, {profile['errors']} errors"
    )
    for part, found in profile["parts"].items():
        if "error" in found:
            print(f"\n{part}: not profiled: {found['error']}")
            continue
        total = found["samples"] or 1
        print(f"\n{part}: {found['samples']} samples of active (not idle) threads, {found['file']}")
        print(f"  py-spy: {found['py_spy']}")
        titles = {
            "self": f"top {TOP} by self samples",
            "inclusive": f"top {TOP} by inclusive samples",
            "project inclusive": f"top {TOP} of the project's own functions by inclusive samples",
        }
        for kind, title in titles.items():
            print(f"  {title}")
            for frame, samples in found[kind]:
                print(f"  {samples:>7} {100 * samples / total:>5.1f}%  {frame}")


# --- the run ----------------------------------------------------------------------------------------


def workloads(args: argparse.Namespace, saturation_conversations: int, keys: tuple[str, ...]) -> list[Workload]:
    """The workloads asked for, of those in `keys`."""
    every = {
        "small": Workload("small", args.conversations_small),
        "large": Workload("large", args.conversations_large),
        "saturation": Workload("saturation", saturation_conversations, args.saturation_seconds),
    }
    return [every[key] for key in keys if key in args.workloads]


def measure(systems: list[System], plan: list[Workload], args: argparse.Namespace) -> list[Row]:
    """Every workload's rounds, the systems in turn within each round."""
    rows = {(workload.key, system.label): Row(workload, system.label) for workload in plan for system in systems}
    for workload in plan:
        for number in range(args.rounds):
            for system in systems:
                # The same seed for every system in a round: the same reading times and start offsets.
                before, client_before = system.cpu_seconds(), time.process_time()
                done = asyncio.run(Load(system, args.timeout, args.seed + number).run(workload))
                after, done.client_cpu = system.cpu_seconds(), time.process_time() - client_before
                done.cpu = {part: after[part] - before.get(part, 0.0) for part in after}
                rows[workload.key, system.label].rounds.append(done)
                kinds = f" {dict(done.errors)}" if done.errors else ""
                print(
                    f"  {workload.title} · {system.label} · round {number + 1}: {len(done.latencies)} answered, "
                    f"{done.errors.total()} errors{kinds}, {done.rate:.1f} msg/s, {done.wall:.1f} s",
                    flush=True,
                )
                time.sleep(args.pause)  # let the last round's writes and garbage settle
    return list(rows.values())


def compare_project_starter(args: argparse.Namespace, only: set[str], tmp: Path, out: dict) -> list[Row]:
    """The default profile and the starter bot, started side by side and loaded in turn."""
    systems: list[System] = []
    if "project" in only:
        check_ports("project", dict(zip(("RASA_PORT", "ACTION_PORT", "WEB_PORT"), args.project_ports, strict=True)))
        (tmp / "project").mkdir()
        systems.append(default_profile(args.project_ports, tmp / "project"))
    if "starter" in only:
        check_ports("starter", {"RASA_PORT": args.starter_port})
        ensure_starter_bot()
        systems.append(starter_system(args.starter_port, tmp))
    with ExitStack() as stack:
        for system in systems:
            stack.callback(system.stop)
            system.start()
        wait_ready(systems)
        for system in systems:
            asyncio.run(Load(system, args.timeout, args.seed).warm_up())
        plan = workloads(args, args.saturation_conversations, ("small", "large", "saturation"))
        rows = measure(systems, plan, args)
        project = next((system for system in systems if system.label == "project"), None)
        if args.profile and project is not None:
            out["profile"] = profile_round(project, args)
    return rows


def profile_round(project: System, args: argparse.Namespace) -> dict:
    """An extra, unreported project saturation round under py-spy; the parts' top functions."""
    if not PY_SPY.exists():
        print(f"\nprofile: {PY_SPY} is not installed (.venv-web/bin/pip install py-spy); profiling skipped")
        return {"skipped": "py-spy not installed"}
    workload = Workload("saturation", args.saturation_conversations, args.saturation_seconds)
    print(f"  profiling the project during an extra round: {workload.title}", flush=True)
    profilers = start_profilers(project, workload.seconds or 0, args.profile)
    time.sleep(1)  # py-spy attaches before the load starts
    done = asyncio.run(Load(project, args.timeout, args.seed).run(workload))
    results = finish_profilers(profilers, workload.seconds or 0)
    return {"messages_per_second": done.rate, "errors": done.errors.total(), "parts": results}


def compare_scaled(args: argparse.Namespace, tmp: Path) -> list[Row]:
    """The scaled profile with one Rasa instance, then with two, on the same ports one after the other."""
    names = ("RASA_PORT", "ACTION_PORT", "WEB_PORT", "PG_PORT", "REDIS_PORT")
    rows: list[Row] = []
    plan = workloads(args, args.scaled_saturation_conversations, ("large", "saturation"))
    for instances in (1, 2):
        taken = dict(zip(names, args.scaled_ports, strict=True))
        # run-scaled.sh puts the Rasa instances on the ports after the load balancer's.
        taken |= {f"Rasa instance {n}": args.scaled_ports[0] + n for n in range(1, instances + 1)}
        check_ports(f"scaled ×{instances}", taken)
        (tmp / f"scaled-{instances}").mkdir()
        system = scaled_profile(instances, args.scaled_ports, tmp / f"scaled-{instances}")
        try:
            system.start()
            wait_ready([system])
            asyncio.run(Load(system, args.timeout, args.seed).warm_up())
            rows += measure([system], plan, args)
        finally:
            system.stop()
    return rows


def ports(text: str, count: int) -> list[int]:
    """A comma-separated list of `count` ports."""
    values = [int(part) for part in text.split(",")]
    if len(values) != count:
        raise argparse.ArgumentTypeError(f"{count} comma-separated ports expected, got {text!r}")
    return values


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="project,starter,scaled", help="comma-separated: project, starter, scaled")
    parser.add_argument("--no-scaled", action="store_true", help="skip the scaled profile (as --only without it)")
    parser.add_argument(
        "--workloads", default="small,large,saturation", help="comma-separated: small, large, saturation"
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each workload on each system")
    parser.add_argument("--conversations-small", type=int, default=50)
    parser.add_argument("--conversations-large", type=int, default=200)
    parser.add_argument("--saturation-conversations", type=int, default=20, help="project and starter bot")
    parser.add_argument("--scaled-saturation-conversations", type=int, default=40)
    parser.add_argument("--saturation-seconds", type=float, default=30.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a message is an error")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between two rounds")
    parser.add_argument("--seed", type=int, default=16, help="of the reading times and start offsets")
    parser.add_argument(
        "--project-ports", type=lambda text: ports(text, 3), default=[5105, 5155, 8100], help="RASA,ACTION,WEB"
    )
    parser.add_argument("--starter-port", type=int, default=5405)
    parser.add_argument(
        "--scaled-ports",
        type=lambda text: ports(text, 5),
        default=[5205, 5255, 8200, 5434, 6391],
        help="RASA (the load balancer; the instances take the next ports),ACTION,WEB,PG,REDIS",
    )
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR", help="py-spy the project's parts")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="write every figure here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (the systems' logs)")
    args = parser.parse_args()
    args.workloads = {item.strip() for item in args.workloads.split(",") if item.strip()}
    unknown = args.workloads - {"small", "large", "saturation"}
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    return args


def main() -> None:
    """Build, start, load and stop every system asked for; print the tables and the ratios."""
    args = arguments()
    only = {item.strip() for item in args.only.split(",") if item.strip()}
    if args.no_scaled:
        only.discard("scaled")
    if only - {"project", "starter", "scaled"}:
        sys.exit(f"--only: unknown {', '.join(sorted(only - {'project', 'starter', 'scaled'}))}")
    if only & {"project", "scaled"} and not MODEL.exists():
        sys.exit(f"no trained model at {MODEL}: run `make model` first")
    if "scaled" in only and not RUN_SCALED_SCRIPT.exists():
        print(f"{RUN_SCALED_SCRIPT.relative_to(ROOT)} does not exist (yet): the scaled profile's rows are skipped")
        only.discard("scaled")
    if args.profile and "project" not in only:
        print("--profile profiles the project's default profile, which --only leaves out: no profile")
    # SIGTERM ends the run like Ctrl-C: through the `finally` blocks that stop what was started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    out: dict = {
        "args": {
            key: sorted(value) if isinstance(value, set) else str(value) if isinstance(value, Path) else value
            for key, value in vars(args).items()
        }
    }
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    # The scaled profile's PostgreSQL runs as Debian's postgres user, which must reach its data directory.
    tmp.chmod(0o711)
    try:
        if only & {"project", "starter"}:
            rows += compare_project_starter(args, only, tmp, out)
        if "scaled" in only:
            rows += compare_scaled(args, tmp)
    except BenchError as exc:
        sys.exit(f"bench/load.py: {exc}")
    finally:
        if args.keep:
            print(f"the systems' logs and databases are kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    default_rows = [row for row in rows if row.system in ("project", "starter")]
    scaled_rows = [row for row in rows if row.system.startswith("scaled")]
    if default_rows:
        title = f"project (default profile, 1 Rasa) vs starter bot, alternating, {args.rounds} round(s) each"
        print_table(title, default_rows)
    if scaled_rows:
        print_table(f"scaled profile, 1 then 2 Rasa instances, {args.rounds} round(s) each", scaled_rows)
    lines = ratios(rows)
    print_ratios(lines)
    if "profile" in out:
        print_profile(out["profile"])
    print(f"\nwhole run {time.monotonic() - started:.0f} s")
    if args.json:
        out |= {"rows": [row.as_json() for row in rows], "ratios": lines, "seconds": time.monotonic() - started}
        args.json.write_text(json.dumps(no_nan(out), indent=2, ensure_ascii=False, default=str) + "\n")


def no_nan(value: object) -> object:
    """The figures with nan as null, since JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: no_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [no_nan(item) for item in value]
    return value


if __name__ == "__main__":
    main()
