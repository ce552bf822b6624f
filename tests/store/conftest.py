"""A throwaway PostgreSQL server for the store's tests, when the machine has one installed."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def _postgres_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


@pytest.fixture
def postgres():
    """A PostgreSQL server of its own on a Unix socket (no TCP port); the URL of its empty database `app`.

    Skipped without an installed server (Debian's postgresql package) or a driver: issue 16 brings
    PostgreSQL to CI."""
    binaries = _postgres_bin()
    if binaries is None or shutil.which("pg_dump") is None:
        pytest.skip("no PostgreSQL server installed (issue 16 brings one to CI)")
    pytest.importorskip("psycopg2", reason="no PostgreSQL driver in this environment")
    # Its own folder outside pytest's (which only root may enter), short enough for a socket path.
    folder = Path(tempfile.mkdtemp(prefix="pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser")
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data, socket = folder / "data", folder
    subprocess.run(
        [*run_as, binaries / "initdb", "-D", data, "-U", "app", "--auth=trust"], check=True, capture_output=True
    )
    options = f"-k {socket} -c listen_addresses='' -p 5432"
    subprocess.run(
        [*run_as, binaries / "pg_ctl", "-D", data, "-o", options, "-w", "-l", folder / "log", "start"],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            ["psql", "-h", str(socket), "-U", "app", "-d", "postgres", "-c", "CREATE DATABASE app"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://app@/app?host={socket}"
    finally:
        subprocess.run([*run_as, binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
