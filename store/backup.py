"""Backups of the app database and Rasa's tracker store, and their restore (docs/backup.md).

SQLite: the online backup API (sqlite3.Connection.backup), a consistent copy while the stack runs.
PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore --clean`. Each backup is a folder
var/backups/<UTC time>/ (0700) with its files (0600) and manifest.json (file names, sizes, sha256, the
app database's Alembic revision); restore checks the manifest before it touches anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from store.db import database_url

log = logging.getLogger(__name__)

DEFAULT_ROOT = Path("var/backups")
DEFAULT_TRACKER_URL = "sqlite:///var/tracker.db"
MANIFEST = "manifest.json"
FORMAT = 1  # the manifest's layout


class BackupError(RuntimeError):
    """A backup or a restore that cannot be done safely; the message says why."""


@dataclass(frozen=True)
class Database:
    """One database to back up: its role ("app" or "tracker") and SQLAlchemy URL."""

    name: str
    url: str

    @property
    def dialect(self) -> str:
        return make_url(self.url).get_backend_name()

    @property
    def sqlite_path(self) -> Path:
        database = make_url(self.url).database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            raise BackupError(f"{self.name}: not a SQLite file: {self.safe_url}")
        return Path(database)

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


def tracker_url() -> str:
    """Rasa's tracker store: TRACKER_STORE_URL, else the SQLite file TRACKER_DB that bot/endpoints.yml uses."""
    if os.environ.get("TRACKER_STORE_URL"):
        return os.environ["TRACKER_STORE_URL"]
    if os.environ.get("TRACKER_DB") and os.environ.get("TRACKER_DIALECT", "sqlite") == "sqlite":
        return f"sqlite:///{os.environ['TRACKER_DB']}"
    return DEFAULT_TRACKER_URL


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_file(path: Path) -> None:
    """Create the file empty and readable by its owner only, before anything is written into it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database page by page under its own locks, then check the copy."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        (result,) = dst.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"{target}: the copy fails SQLite's integrity check: {result}")
    finally:
        src.close()
        dst.close()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries it (never on a command line)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt install postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _alembic_revision(database: Database) -> str | None:
    from sqlalchemy import create_engine

    from store.migrate import current_revision

    engine = create_engine(database.url)
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    finally:
        engine.dispose()


def _new_folder(root: Path, now: dt.datetime) -> Path:
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for number in range(1, 100):
        folder = root / (stamp if number == 1 else f"{stamp}-{number}")
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)  # mkdir's mode passes through the umask
        return folder
    raise BackupError(f"{root}: too many backups at {stamp}")


def backup(databases: list[Database], root: Path = DEFAULT_ROOT, now: dt.datetime | None = None) -> Path:
    """Back every database up into a new folder under `root`; the folder. A SQLite file that does not
    exist yet (no conversation so far) is noted in the manifest and skipped."""
    now = now or dt.datetime.now(dt.UTC)
    folder = _new_folder(root, now)
    entries = []
    try:
        for database in databases:
            entry: dict[str, object] = {"name": database.name, "dialect": database.dialect, "source": database.safe_url}
            if database.dialect == "sqlite":
                source = database.sqlite_path
                if not source.exists():
                    entries.append(entry | {"file": None, "note": "no database file"})
                    continue
                target = folder / f"{database.name}.sqlite"
                _private_file(target)
                _sqlite_copy(source, target)
            elif database.dialect == "postgresql":
                target = folder / f"{database.name}.dump"
                _private_file(target)
                uri, env = _libpq(database.url)
                _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={uri}"], env)
            else:
                raise BackupError(f"{database.name}: cannot back up a {database.dialect} database")
            entry |= {"file": target.name, "size": target.stat().st_size, "sha256": _sha256(target)}
            if database.name == "app":
                entry["alembic_revision"] = _alembic_revision(database)
            entries.append(entry)
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "databases": entries}
        _private_file(folder / MANIFEST)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave a half backup that looks whole
        raise
    log.info("backup: %s", folder)
    return folder


def read_manifest(folder: Path) -> dict:
    """The manifest, after checking that every file it names is there with its sha256."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder}: no {MANIFEST}: not a backup folder")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: manifest format {manifest.get('format')!r} is not {FORMAT}")
    for entry in manifest["databases"]:
        if entry.get("file") is None:
            continue
        file = folder / entry["file"]
        if not file.is_file() or _sha256(file) != entry["sha256"]:
            raise BackupError(f"{file}: missing or changed since the backup (sha256 differs)")
    return manifest


def _in_use(path: Path) -> bool:
    """Whether another connection is reading or writing the SQLite database right now (an exclusive lock is
    refused). An idle connection holds no lock, so this catches a busy stack, not every running one."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def restore(folder: Path, databases: list[Database], now: dt.datetime | None = None) -> list[str]:
    """Put every database of the backup back in place of the configured one; what was restored.

    SQLite: the current file is kept beside it (<name>.before-restore-<time>) and the backup is copied in
    with the backup API, then checked. PostgreSQL: pg_restore --clean. Stop the stack first (docs/backup.md).
    """
    manifest = read_manifest(folder)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    targets = {database.name: database for database in databases}
    restored = []
    for entry in manifest["databases"]:
        if entry.get("file") is None or entry["name"] not in targets:
            continue
        database = targets[entry["name"]]
        source = folder / entry["file"]
        if entry["dialect"] != database.dialect:
            raise BackupError(f"{entry['name']}: the backup is {entry['dialect']}, the target {database.dialect}")
        if database.dialect == "sqlite":
            target = database.sqlite_path
            if target.exists():
                if _in_use(target):
                    raise BackupError(f"{target} is in use: stop the stack first (docs/backup.md)")
                _sqlite_copy(target, target.with_name(f"{target.name}.before-restore-{stamp}"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                _private_file(target)
            _sqlite_copy(source, target)
        else:
            uri, env = _libpq(database.url)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={uri}", str(source)], env)
        if entry["name"] == "app" and _alembic_revision(database) != entry.get("alembic_revision"):
            raise BackupError(f"{database.safe_url}: the restored revision differs from the manifest's")
        restored.append(entry["name"])
    return restored


def prune(root: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backup folders under `root` (they hold personal data too); the deleted."""
    folders = (
        sorted((p for p in root.iterdir() if (p / MANIFEST).is_file()), key=lambda p: p.name) if root.exists() else []
    )
    doomed = folders[:-keep] if keep > 0 else folders
    for folder in doomed:
        shutil.rmtree(folder)
    return doomed


def configured() -> list[Database]:
    """The app database (APP_DATABASE_URL) and Rasa's tracker store (TRACKER_STORE_URL / TRACKER_DB)."""
    return [Database("app", database_url()), Database("tracker", tracker_url())]


def main(argv: list[str] | None = None) -> int:
    """`python -m store.backup` backs up; `restore <folder>` restores; `list` shows the backups."""
    parser = argparse.ArgumentParser(prog="python -m store.backup", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("BACKUP_DIR") or DEFAULT_ROOT))
    commands = parser.add_subparsers(dest="command")
    create = commands.add_parser("create", help="back up now (the default)")
    create.add_argument(
        "--keep", type=int, default=int(os.environ.get("BACKUP_KEEP") or 0), help="then keep only the N newest"
    )
    back = commands.add_parser("restore", help="restore a backup folder (stop the stack first)")
    back.add_argument("folder", type=Path)
    commands.add_parser("list", help="list the backups")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "restore":
            restored = restore(args.folder, configured())
            print(f"restored {', '.join(restored) or 'nothing'} from {args.folder}")
        elif args.command == "list":
            for folder in sorted(args.root.glob(f"*/{MANIFEST}")):
                manifest = json.loads(folder.read_text(encoding="utf-8"))
                names = ", ".join(e["name"] for e in manifest["databases"] if e.get("file"))
                print(f"{folder.parent}  {names}")
        else:
            folder = backup(configured(), args.root)
            print(folder)
            keep = args.keep if args.command == "create" else int(os.environ.get("BACKUP_KEEP") or 0)
            if keep:
                for old in prune(args.root, keep):
                    print(f"deleted {old}")
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
