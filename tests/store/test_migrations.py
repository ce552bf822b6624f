"""Alembic migrations: head equals the models in both environments, and a database of the release before
migrations (commit c15a935, made by create_all) upgrades in place with every row kept."""

import datetime as dt
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from store import migrate
from store.cases import CaseStore
from store.db import StaleSchema, check_schema, open_database
from store.migrate import head_revision
from store.models import Base
from store.receipts import ReceiptStore

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "c15a935_sqlite.sql"

# Run in a fresh interpreter of each environment: the models and the migrations must agree on SQLAlchemy 1.4
# (Rasa's) and 2.x (the web app's) alike.
COMPARE = """
import sys
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from store.db import open_database
from store.models import Base
engine = open_database(sys.argv[1])
with engine.connect() as connection:
    diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
print(repr(diff))
sys.exit(1 if diff else 0)
"""


def _diff(engine):
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def _c15a935_database(path: Path) -> Path:
    """A database exactly as the release before migrations made it: its create_all DDL, no alembic_version."""
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    return path


def test_upgrade_head_matches_the_models(tmp_path):
    assert _diff(open_database(f"sqlite:///{tmp_path}/app.db")) == []


@pytest.mark.parametrize("venv", [".venv-rasa", ".venv-web"])
def test_upgrade_head_matches_the_models_in_each_environment(tmp_path, venv):
    python = ROOT / venv / "bin" / "python"
    if not python.exists():
        pytest.skip(f"{venv} is not built")
    result = subprocess.run(
        [str(python), "-c", COMPARE, f"sqlite:///{tmp_path}/app.db"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_fixture_is_the_baseline_revision(tmp_path):
    """Revision 0001 creates exactly the tables, columns and indexes the fixture (c15a935's create_all) has."""
    fixture = _c15a935_database(tmp_path / "fixture.db")
    engine = create_engine(f"sqlite:///{tmp_path}/baseline.db")
    migrate.upgrade(engine, "0001")

    def ddl(path):
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'")
            return {(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows}

    assert ddl(fixture) == ddl(tmp_path / "baseline.db")


def _insert_every_table(path: Path) -> None:
    """One or more rows in every table of the c15a935 schema, with its own columns only."""
    now = "2026-11-20 09:00:00.000000"
    statements = [
        "INSERT INTO handoff_cases VALUES (1, 'p', '2026-11-20', 1, 'A001', '2026-11-20 09:00:00.000000', "
        "'conv-1', 'fi', 'kiosk', 'customer_request', 'KE8', '[\"s1\"]', '[\"AT 1\"]', '[\"greet\"]', 'summary', "
        "'[\"K7QH29XM\"]', 'resolved', 'anna', 0, 'helped', 'kela', 'advice', '2026-11-20 09:30:00.000000')",
        "INSERT INTO handoff_cases VALUES (2, 'p', '2026-11-20', 2, 'A002', '2026-11-20 10:00:00.000000', "
        "'conv-2', 'sv', 'web', 'needs_advisor', NULL, '[]', '[]', '[]', '', '[]', 'claimed', 'anna', 1, "
        "NULL, NULL, NULL, NULL)",
        f"INSERT INTO case_changes VALUES (1, 1, 'p', '{now}', 'created', NULL, NULL)",
        f"INSERT INTO case_changes VALUES (2, 2, 'p', '{now}', 'message', 'customer', 'Hej')",
        "INSERT INTO bookings VALUES (1, 'K7QH29XM', 'phone', 'housing', 'fi', 'kela-fi', NULL, "
        f"'2026-11-24 07:00:00.000000', '2026-11-24 07:30:00.000000', 'booked', 'p', 'kiosk', '0401234567', "
        f"'{now}', NULL)",
        "INSERT INTO booking_claims VALUES ('calendar:kela-fi', '2026-11-24 07:00:00.000000', 1)",
        f"INSERT INTO service_events VALUES (1, '{now}', 'p', 'kiosk', 'fi', 'kela', 'advice', "
        "'form_handed_out', 'AT 1')",
        f"INSERT INTO document_receipts VALUES (1, '20261120-001', 'p', 'kela', 'AT 1', '{now}', 'anna', 1, 'fi')",
        f"INSERT INTO feedback VALUES (1, '{now}', 'p', 'web', 'en', 'kela', 4, 'Thanks')",
        f"INSERT INTO staff_accounts VALUES (1, 'anna', '$argon2id$v=19$m=65536,t=3,p=4$x$y', 'admin', 0, '{now}')",
        f"INSERT INTO staff_presence VALUES ('anna', 'p', '{now}')",
        f"INSERT INTO staff_sessions VALUES ('{'a' * 64}', 1, '{'b' * 64}', '{now}', '2026-11-20 17:00:00.000000')",
        f"INSERT INTO contact_vault VALUES ('conv-1', '0401234567', '{now}')",
        f"INSERT INTO inbox_decisions VALUES (1, '{'c' * 64}', 'moi', 'fi', 'assign', 'greet', 'train', 'anna', "
        f"'{now}')",
        f"INSERT INTO eval_set_items VALUES (1, 'Moi!', 'moi!', 'greet', 'fi', '{now}', 'anna')",
        f"INSERT INTO inbox_low_rated_conversations VALUES ('conv-2', '{now}')",
        f"INSERT INTO trained_models VALUES (1, 'active', 'anna', '{now}', '{now}', '{now}', '{'d' * 64}', "
        f"'m1.tar.gz', 12345, '{'e' * 64}', '{{\"fi\": 0.9}}', 0, 'done', 100, NULL, 'log', NULL, 'host', 1, 2, 0)",
        f"INSERT INTO model_activations VALUES (1, 1, NULL, '{now}', 'anna', 'first', 0)",
        f"INSERT INTO nlu_changes VALUES (1, '{now}', 'anna', 'add', 'greet', 'fi', NULL, 'moikka', NULL)",
        f"INSERT INTO nlu_changes VALUES (2, '{now}', 'anna', 'delete', 'greet', 'fi', 'moikka', NULL, 1)",
    ]
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
        # Every table of the baseline holds a row: the test covers them all.
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        empty = [t for t in tables if conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0]
        assert empty == []


def _rows(path: Path, tables: dict[str, list[str]]) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
            for table, columns in tables.items()
        }


def test_a_database_of_the_release_before_migrations_upgrades_in_place(tmp_path):
    path = _c15a935_database(tmp_path / "app.db")
    _insert_every_table(path)
    with sqlite3.connect(path) as conn:
        columns = {
            table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    before = _rows(path, columns)

    engine = open_database(f"sqlite:///{path}")

    # Every row of every table, every column as it was, except that 0005 names the assistant's form cards.
    kept = {**before, "service_events": [(*r[:7], "form_shown", *r[8:]) for r in before["service_events"]]}
    assert _rows(path, columns) == kept
    inspector = inspect(engine)
    assert {"kiosk_devices", "login_throttle"} <= set(inspector.get_table_names())
    assert "conversation_id" in {c["name"] for c in inspector.get_columns("feedback")}
    assert _diff(engine) == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
        assert conn.execute("SELECT conversation_id FROM feedback").fetchall() == [(None,)]
    # The app reads the old rows through its own classes.
    cases = CaseStore(engine=engine)
    assert cases.get(1)["ticket"] == "A001" and cases.get(1)["bookings"] == ["K7QH29XM"]
    assert cases.open_case_for("conv-2")["taken_over"] is True
    assert ReceiptStore(engine).get(1)["number"] == "20261120-001"
    check_schema(engine)


def test_a_database_of_the_scaffold_is_recognised_at_its_revision(tmp_path):
    """create_all of today's models without alembic_version (a developer's database) is stamped, not refused."""
    engine = create_engine(f"sqlite:///{tmp_path}/app.db")
    Base.metadata.create_all(engine)
    assert migrate.upgrade(engine) == (None, head_revision())


def test_a_database_made_by_a_newer_release_stops_the_app(tmp_path):
    path = tmp_path / "app.db"
    open_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StaleSchema, match="revision 9999, which this release does not know"):
        open_database(f"sqlite:///{path}")


def test_a_database_with_unknown_columns_stops_the_app(tmp_path):
    path = _c15a935_database(tmp_path / "app.db")
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE bookings ADD COLUMN notes TEXT")
    with pytest.raises(StaleSchema, match=r"table bookings has unknown columns \['notes'\]"):
        open_database(f"sqlite:///{path}")


def test_a_database_without_the_apps_tables_gets_them_all(tmp_path):
    """Other tables (Rasa's tracker in a shared database) are left alone."""
    path = tmp_path / "shared.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)")
    engine = open_database(f"sqlite:///{path}")
    assert {"events", "handoff_cases", "kiosk_devices"} <= set(inspect(engine).get_table_names())


def open_together(url: str, starts: int = 8) -> list[BaseException]:
    """Open the database from `starts` threads at once, as processes starting together do; the errors."""
    errors: list[BaseException] = []

    def start():
        try:
            open_database(url).dispose()
        except BaseException as error:  # the caller's assertion shows it
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(starts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_processes_starting_together_migrate_once(tmp_path):
    """The web app and the action server may open a new database at the same moment: both succeed."""
    assert open_together(f"sqlite:///{tmp_path}/app.db") == []
    with sqlite3.connect(tmp_path / "app.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]


def test_downgrade_to_nothing_and_back(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/app.db")
    migrate.upgrade(engine)
    with migrate.locked(engine) as connection:
        from alembic import command

        command.downgrade(migrate.alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(engine)
    assert _diff(engine) == []


def test_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/app.db"
    _c15a935_database(tmp_path / "app.db")
    assert migrate.main(["--url", url, "check"]) == 1
    assert migrate.main(["--url", url]) == 0
    assert f"revision none -> {head_revision()}" in capsys.readouterr().out
    assert migrate.main(["--url", url, "check"]) == 0
    assert migrate.main(["history"]) == 0
    assert "0001" in capsys.readouterr().out


def test_the_sql_for_a_dba_is_written_without_a_database(capsys):
    assert migrate.main(["sql", "--dialect", "postgresql"]) == 0
    sql = capsys.readouterr().out
    assert "CREATE TABLE handoff_cases" in sql and "CREATE TABLE kiosk_devices" in sql


def test_a_time_stamp_survives_the_upgrade(tmp_path):
    """Aware times written by the release before read back equal after the upgrade."""
    path = _c15a935_database(tmp_path / "app.db")
    _insert_every_table(path)
    case = CaseStore(engine=open_database(f"sqlite:///{path}")).get(1)
    assert case["created_at"] == dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def test_postgresql_upgrades_to_the_models_under_the_advisory_lock(postgres):
    """The same migrations on PostgreSQL (issue 16 runs it in CI): head equals the models, eight starts at once
    migrate once, and the database made before migrations (create_all) is adopted there too."""
    assert open_together(postgres) == []
    engine = create_engine(postgres)
    assert _diff(engine) == []
    with engine.begin() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
    # Back to the release before migrations: the baseline's tables with a row, no alembic_version.
    with migrate.locked(engine) as connection:
        from alembic import command

        command.downgrade(migrate.alembic_config(connection), "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO feedback (received_at, point_id, channel, language, authority, rating) "
            "VALUES (now(), 'p', 'web', 'fi', 'kela', 5)"
        )
        connection.exec_driver_sql("DROP TABLE alembic_version")
    assert migrate.upgrade(engine) == (None, head_revision())
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT rating, conversation_id FROM feedback").fetchall() == [(5, None)]
    assert _diff(engine) == []
    engine.dispose()


def test_text_stored_before_todays_redaction_is_rewritten_by_it(tmp_path):
    """Migration 0004: formats the old rules missed (no check character, 358…, 040/…) leave the stored text."""
    path = _c15a935_database(tmp_path / "app.db")
    _insert_every_table(path)
    missed = "hetu131052-308 puh 358401234567"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE feedback SET text = ?", (missed,))
        conn.execute("UPDATE case_changes SET text = ? WHERE actor = 'customer'", (missed,))
        conn.execute("UPDATE handoff_cases SET summary = ? WHERE id = 2", ("soita 040/123 4567",))
        conn.execute("UPDATE inbox_decisions SET text = ?", ("040.123.4567",))
    open_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT text FROM feedback").fetchall() == [("hetu<ID_CODE> puh <PHONE_NUMBER>",)]
        assert conn.execute("SELECT text FROM case_changes WHERE actor = 'customer'").fetchall() == [
            ("hetu<ID_CODE> puh <PHONE_NUMBER>",)
        ]
        assert conn.execute("SELECT summary FROM handoff_cases ORDER BY id").fetchall() == [
            ("summary",),
            ("soita <PHONE_NUMBER>",),
        ]
        assert conn.execute("SELECT text FROM inbox_decisions").fetchall() == [("<PHONE_NUMBER>",)]


def test_existing_events_get_the_actor_of_their_type(tmp_path):
    """Migration 0005: form cards were only ever the assistant's, bookings and feedback the customer's own."""
    path = _c15a935_database(tmp_path / "app.db")
    _insert_every_table(path)
    kinds = [
        "booking_made",
        "booking_moved",
        "booking_cancelled",
        "feedback_recorded",
        "handoff_resolved",
        "document_received",
        "remote_connection_opened",
    ]
    with sqlite3.connect(path) as conn:
        for number, kind in enumerate(kinds, start=2):
            conn.execute(
                "INSERT INTO service_events VALUES (?, '2026-11-20 09:00:00.000000', 'p', 'kiosk', 'fi', 'kela', "
                "'other', ?, NULL)",
                (number, kind),
            )
    open_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        found = dict(conn.execute("SELECT event_type, actor FROM service_events WHERE id > 1").fetchall())
        first = conn.execute("SELECT event_type, actor FROM service_events WHERE id = 1").fetchone()
    assert first == ("form_shown", "assistant")
    assert found == {
        "booking_made": "self_service",
        "booking_moved": "self_service",
        "booking_cancelled": "self_service",
        "feedback_recorded": "self_service",
        "handoff_resolved": "advisor",
        "document_received": "advisor",
        "remote_connection_opened": "advisor",
    }
