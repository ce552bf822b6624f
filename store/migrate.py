"""Alembic migrations of the app database: every start-up runs them, `python -m store.migrate` runs them by hand.

A database made before migrations existed (every installation up to issue 12, made by create_all) has no
alembic_version table: it is recognised by its tables and columns, stamped with the revision it matches
and then upgraded, so no row is lost. A database that matches nothing known, or was made by a newer
release, stops with StaleSchema naming what differs.
"""

from __future__ import annotations

import argparse
import functools
import logging
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

from store.db import StaleSchema, database_url, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: PostgreSQL's advisory lock that lets one process migrate at a time.
PG_LOCK_KEY = 0x4153_494F_494E_5449  # "ASIOINTI"
VERSION_TABLE = "alembic_version"

Schema = dict[str, frozenset[str]]  # table -> its column names

log = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration, built in code (no alembic.ini): the scripts, and the connection to use."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def scripts() -> ScriptDirectory:
    """The revisions in store/migrations/versions."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision: what this release's models need."""
    head = scripts().get_current_head()
    assert head is not None, "store/migrations/versions holds no revision"
    return head


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other process can migrate beside (the web app and the action
    server start together): SQLite's write lock (BEGIN IMMEDIATE), PostgreSQL's transaction advisory lock."""
    with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "sqlite":
            # pysqlite would begin lazily and let DDL run outside the transaction; begin explicitly, for writing.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        yield connection


def current_revision(connection: Connection) -> str | None:
    """The revision in the database's alembic_version table, None without one."""
    return MigrationContext.configure(connection).get_current_revision()


def schema_of(connection: Connection, tables: set[str] | None = None) -> Schema:
    """The database's tables (all, or those named) with their column names."""
    inspector = inspect(connection)
    names = set(inspector.get_table_names()) - {VERSION_TABLE}
    if tables is not None:
        names &= tables
    return {name: frozenset(column["name"] for column in inspector.get_columns(name)) for name in sorted(names)}


@functools.cache
def revision_schemas() -> tuple[tuple[str, Schema], ...]:
    """Each revision, oldest first, with the tables and columns it leaves: built once on a scratch database."""
    schemas = []
    engine = create_engine("sqlite://")
    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)  # these upgrades are of a scratch database: not worth a log line
    try:
        with engine.connect() as connection:
            config = alembic_config(connection)
            for script in reversed(list(scripts().walk_revisions())):
                command.upgrade(config, script.revision)
                schemas.append((script.revision, schema_of(connection)))
    finally:
        alembic_log.setLevel(level)
        engine.dispose()
    return tuple(schemas)


def _differences(found: Schema, expected: Schema) -> list[str]:
    """What a database has other than a revision's tables, in words."""
    lines = []
    missing_tables = sorted(set(expected) - set(found))
    if missing_tables:
        lines.append(f"tables {missing_tables} are missing")
    for table in sorted(set(found) & set(expected)):
        lacks = sorted(expected[table] - found[table])
        extra = sorted(found[table] - expected[table])
        if lacks:
            lines.append(f"table {table} lacks columns {lacks}")
        if extra:
            lines.append(f"table {table} has unknown columns {extra}")
    return lines


def recognise(connection: Connection) -> str | None:
    """The revision an unversioned database's tables match; None for a database without the app's tables."""
    if not set(inspect(connection).get_table_names()) - {VERSION_TABLE}:
        return None  # a new database: every migration runs
    schemas = revision_schemas()
    known_tables = set().union(*(schema.keys() for _, schema in schemas))
    found = schema_of(connection, known_tables)
    if not found:
        return None
    for revision, schema in reversed(schemas):
        if found == schema:
            return revision
    # Name the differences from the revision closest to what is there.
    closest = min(schemas, key=lambda item: len(_differences(found, item[1])))
    raise StaleSchema(
        f"{connection.engine.url.render_as_string(hide_password=True)}: the tables match no release "
        f"(no {VERSION_TABLE} table; compared with revision {closest[0]}: "
        f"{'; '.join(_differences(found, closest[1]))}). Restore a backup (docs/backup.md), "
        f"or move the database aside (`make clean-db`) and start again."
    )


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the database to the revision (head: what the models need) under the lock; (before, after)."""
    with locked(engine) as connection:
        before = current_revision(connection)
        config = alembic_config(connection)
        if before is None:
            adopted = recognise(connection)
            if adopted is not None:
                log.info("%s: tables of revision %s without %s: stamping it", engine.url, adopted, VERSION_TABLE)
                command.stamp(config, adopted)
        else:
            _known(engine, before)
        command.upgrade(config, revision)
        return before, current_revision(connection) or ""


def _known(engine: Engine, revision: str) -> None:
    try:
        scripts().get_revision(revision)
    except CommandError as error:
        raise StaleSchema(
            f"{engine.url.render_as_string(hide_password=True)}: the database is at revision {revision}, "
            f"which this release does not know (made by a newer release?). Run the newer release, or restore "
            f"a backup made with this one (docs/backup.md)."
        ) from error


def verify(engine: Engine) -> str:
    """The database's revision if it is head; StaleSchema otherwise (changes nothing)."""
    with engine.connect() as connection:
        current = current_revision(connection)
    if current is not None:
        _known(engine, current)
    if current != head_revision():
        raise StaleSchema(
            f"{engine.url.render_as_string(hide_password=True)}: the database is at revision {current}, "
            f"this release needs {head_revision()}: run `make migrate`."
        )
    return current


def _next_id() -> str:
    numbers = [int(s.revision) for s in scripts().walk_revisions() if re.fullmatch(r"\d{4}", s.revision)]
    return f"{max(numbers, default=0) + 1:04d}"


def new_revision(message: str, autogenerate: bool) -> Path:
    """Write store/migrations/versions/NNNN_<message>.py; with autogenerate, the models' changes since head."""
    rev_id = _next_id()
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"
    with tempfile.TemporaryDirectory() as folder:
        # Autogenerate compares the models with a database at head: a scratch SQLite one.
        engine = create_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with engine.connect() as connection:
            config = alembic_config(connection)
            config.set_main_option("file_template", f"{rev_id}_{slug}")
            script = command.revision(config, message=message, autogenerate=autogenerate, rev_id=rev_id)
        engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main(argv: list[str] | None = None) -> int:
    """The command line: upgrade (default), check, current, history, sql, revision, downgrade."""
    parser = argparse.ArgumentParser(prog="python -m store.migrate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", default=None, help="SQLAlchemy URL (default: APP_DATABASE_URL or sqlite:///var/app.db)"
    )
    commands = parser.add_subparsers(dest="command")
    up = commands.add_parser("upgrade", help="bring the database up to date (the default)")
    up.add_argument("revision", nargs="?", default="head")
    commands.add_parser("check", help="exit 1 unless the database is at the newest revision")
    commands.add_parser("current", help="print the database's revision and the newest one")
    commands.add_parser("history", help="list the revisions")
    sql = commands.add_parser("sql", help="print the SQL of every migration (for a DBA), changes nothing")
    sql.add_argument("--dialect", default="postgresql", help="postgresql (default) or sqlite")
    new = commands.add_parser("revision", help="write a new revision file (developers)")
    new.add_argument("-m", "--message", required=True)
    new.add_argument("--empty", action="store_true", help="do not compare the models with the newest revision")
    down = commands.add_parser("downgrade", help="go back to a revision (developers; drops data)")
    down.add_argument("revision")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    url = args.url or database_url()
    safe_url = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)

    if args.command == "history":
        for script in scripts().walk_revisions():
            print(f"{script.revision}  {script.doc}")
        return 0
    if args.command == "sql":
        command.upgrade(alembic_config(url=f"{args.dialect}://"), "head", sql=True)
        return 0
    if args.command == "revision":
        print(new_revision(args.message, autogenerate=not args.empty))
        return 0
    engine = make_engine(url)
    try:
        if args.command == "current":
            with engine.connect() as connection:
                print(f"{safe_url}: revision {current_revision(connection)}, newest {head_revision()}")
            return 0
        if args.command == "check":
            print(f"{safe_url}: revision {verify(engine)}, up to date")
            return 0
        if args.command == "downgrade":
            with locked(engine) as connection:
                command.downgrade(alembic_config(connection), args.revision)
            return 0
        before, after = upgrade(engine, getattr(args, "revision", "head"))
        print(f"{safe_url}: revision {before or 'none'} -> {after}")
        return 0
    except StaleSchema as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
