"""The scaled profile (scripts/run-scaled.sh under supervisor) in a temporary directory.

Real PostgreSQL, Redis and HAProxy from Debian's packages (.ci/run installs them), two Rasa instances behind
the load balancer, two action-server and two web workers; own ports, databases and RUN_DIR.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from store.accounts import AccountStore
from store.devices import DeviceStore
from tests.fault.conftest import INHERITED, MODEL, POINT, ROOT, Customer, Stack, free_port, wait_until_answering
from tests.staff_client import PASSWORD

RASA_INSTANCES = 2
STARTUP_SECONDS = 420


def free_port_pair() -> int:
    """A port whose next port is free too: Rasa instance N listens on RASA_FIRST_PORT + N."""
    for _ in range(100):
        first = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", first + 1))
            except OSError:
                continue
        return first
    raise RuntimeError("no two free ports in a row")


class ScaledStack(Stack):
    """The scaled profile's addresses and files; its databases are PostgreSQL's."""

    def __init__(self, tmp: Path):
        super().__init__(tmp)
        # Outside pytest's folders, which only root may enter: PostgreSQL runs as `postgres` under root.
        self.run_dir = Path(tempfile.mkdtemp(prefix="scaled-"))
        os.chmod(self.run_dir, 0o755)
        self.ports.update({"PG_PORT": free_port(), "REDIS_PORT": free_port(), "RASA_FIRST_PORT": free_port_pair()})
        self.instance_urls = [f"http://127.0.0.1:{self.ports['RASA_FIRST_PORT'] + n}" for n in range(RASA_INSTANCES)]

    def env(self) -> dict[str, str]:
        env = super().env()
        for name in ("APP_DATABASE_URL", "TRACKER_DIALECT", "TRACKER_DB", "TRACKER_STORE_URL"):
            env.pop(name)  # run-scaled.sh points them at its PostgreSQL
        return {
            **env,
            "SCALED_RASA": str(RASA_INSTANCES),
            "SCALED_ACTIONS": "2",
            "SCALED_WEB": "2",
            **{name: str(port) for name, port in self.ports.items()},
        }

    def database_url(self, database: str = "app") -> str:
        """The SQLAlchemy URL of one of the profile's PostgreSQL databases."""
        password = (self.run_dir / "pg_password").read_text().strip()
        return f"postgresql+psycopg2://assistant:{password}@127.0.0.1:{self.ports['PG_PORT']}/{database}"

    def db(self, query: str, *args, database: str = "app") -> list[tuple]:
        """Rows of a PostgreSQL database (`:a0`, `:a1`… are the arguments)."""
        engine = create_engine(self.database_url(database))
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(query), {f"a{i}": a for i, a in enumerate(args)})]
        finally:
            engine.dispose()

    def worker_pids(self) -> list[int]:
        """The web app's uvicorn workers (multiprocessing's spawned children; not its resource tracker)."""
        master = self.pid("web")
        children = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
        return [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def connections_to(pid: int, port: int) -> int:
    """Established TCP connections a process holds on its local `port` (from /proc: no extra tool)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with_target = os.readlink(fd) if fd.is_symlink() else ""
        if with_target.startswith("socket:["):
            inodes.add(with_target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            count += local_port == port and state == "01" and inode in inodes
    return count


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[ScaledStack]:
    """scripts/run-scaled.sh as `make run-scaled` starts it, until the session ends."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    missing = [p for p in ("/usr/sbin/haproxy", "/usr/bin/redis-server") if not Path(p).exists()]
    if missing or not list(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
        pytest.fail(
            f"the scaled profile needs Debian's postgresql, redis-server and haproxy ({missing}): .ci/run installs them"
        )
    stack = ScaledStack(tmp_path_factory.mktemp("scaled"))
    with stack.log.open("a") as log:
        stack.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run-scaled.sh")],
            cwd=ROOT,
            env={k: v for k, v in stack.env().items() if k not in INHERITED},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_answering(stack)
        wait_until_every_instance_has_a_model(stack)
        yield stack
    finally:
        stack.process.send_signal(signal.SIGTERM)  # run-scaled.sh exec'd supervisord: it stops every part
        try:
            stack.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait()
        shutil.rmtree(stack.run_dir, ignore_errors=True)


def wait_until_every_instance_has_a_model(stack: ScaledStack, seconds: float = STARTUP_SECONDS) -> None:
    """Until each Rasa instance answers /status (HAProxy's health check) with its model loaded."""
    deadline = time.monotonic() + seconds
    waiting = list(stack.instance_urls)
    while waiting and time.monotonic() < deadline:
        try:
            if httpx.get(f"{waiting[0]}/status", params={"token": stack.rasa_token}, timeout=5).status_code == 200:
                waiting.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(1)
    if waiting:
        pytest.fail(f"Rasa instances without a model after {seconds} s: {waiting}\n{stack.tail()}")


@pytest.fixture(scope="session")
def device_secret(stack: ScaledStack) -> str:
    """A kiosk registered at the point, as an admin would on /staff/devices."""
    engine = create_engine(stack.database_url())
    try:
        return DeviceStore(engine).register(POINT, "scaled-test kiosk", "scaled")[1]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def advisor(stack: ScaledStack) -> str:
    """An advisor account; its username."""
    engine = create_engine(stack.database_url())
    try:
        AccountStore(engine).create("neuvoja", PASSWORD, "advisor")
    finally:
        engine.dispose()
    return "neuvoja"


@pytest.fixture
def customer(stack: ScaledStack, device_secret: str) -> Iterator[Customer]:
    customer = Customer(stack, device_secret)
    yield customer
    customer.http.close()


@pytest.fixture
def sender() -> str:
    return f"scaled-{uuid.uuid4().hex[:12]}"
