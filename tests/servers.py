"""Throwaway PostgreSQL and Redis servers from Debian's packages, on Unix sockets only (no TCP port).

`.ci/run` installs the packages (postgresql, redis-server); without them a test that needs one is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps it out of PATH)."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def _folder(owner: str | None) -> Path:
    """A folder outside pytest's own (which only root may enter), short enough for a socket path."""
    folder = Path(tempfile.mkdtemp(prefix="srv-"))
    if owner:
        shutil.chown(folder, owner)
    return folder


@contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server with an empty database `app`; yields its SQLAlchemy URL (psycopg2)."""
    binaries = postgres_binaries()
    if binaries is None or shutil.which("psql") is None:
        pytest.skip("no PostgreSQL server installed (.ci/run installs Debian's postgresql)")
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser")
        run_as = ["runuser", "-u", "postgres", "--"]
    folder = _folder("postgres" if run_as else None)
    data = folder / "data"
    subprocess.run(
        [*run_as, binaries / "initdb", "-D", data, "-U", "app", "--auth=trust"], check=True, capture_output=True
    )
    options = f"-k {folder} -c listen_addresses='' -p 5432 -c max_connections=200"
    subprocess.run(
        [*run_as, binaries / "pg_ctl", "-D", data, "-o", options, "-w", "-l", folder / "log", "start"],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            ["psql", "-h", str(folder), "-U", "app", "-d", "postgres", "-c", "CREATE DATABASE app"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg2://app@/app?host={folder}"
    finally:
        subprocess.run([*run_as, binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis server that keeps nothing on disk; yields its URL (redis+unix://, as `limits` reads it)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no Redis server installed (.ci/run installs Debian's redis-server)")
    folder = _folder(None)
    socket = folder / "redis.sock"
    args = [server, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700", "--save", ""]
    process = subprocess.Popen([*args, "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis+unix://{socket}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
