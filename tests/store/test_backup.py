"""Backups: a backup restored after the databases are gone gives back every case, booking and receipt, and the
tracker store's conversations; SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore."""

import datetime as dt
import json
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from booking.client import LocalBookingClient
from booking.config import BookingConfig
from service_catalogue.loader import load_catalogue
from store import backup
from store.backup import BackupError, Database
from store.cases import CaseStore
from store.db import open_database
from store.migrate import head_revision
from store.receipts import ReceiptStore

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def populate(engine, catalogue) -> dict[str, list]:
    """Cases, bookings and receipts made through the store classes; what a restore must give back."""
    cases = CaseStore(engine=engine)
    made_cases = [
        cases.create_case(
            point_id="example-point", conversation_id=f"conv-{n}", language="fi", channel="kiosk", reason="x"
        )
        for n in range(3)
    ]
    client = LocalBookingClient(engine, BookingConfig.from_catalogue(catalogue))
    bookings = []
    for kind, phone in (("phone", "0401234567"), ("remote", None)):
        slot = client.free_slots(kind, "housing", "fi")[0]
        bookings.append(
            client.book(
                kind=kind,
                topic="housing",
                language="fi",
                start=slot.start,
                phone=phone,
                point_id="example-point",
                channel="kiosk",
            )
        )
    receipts = ReceiptStore(engine)
    made_receipts = [
        receipts.create(
            point_id="example-point",
            authority="kela",
            document_type="application",
            received_at=NOW - dt.timedelta(minutes=n),
            received_by="anna",
            language="fi",
        )
        for n in range(2)
    ]
    return {"cases": made_cases, "bookings": bookings, "receipts": made_receipts}


def check_everything_is_back(engine, catalogue, made) -> None:
    cases = CaseStore(engine=engine)
    for case in made["cases"]:
        assert cases.get(case["id"])["ticket"] == case["ticket"]
    client = LocalBookingClient(engine, BookingConfig.from_catalogue(catalogue))
    for booking in made["bookings"]:
        found = client.find(booking.reference)
        assert found is not None and found.start == booking.start
    receipts = ReceiptStore(engine)
    for receipt in made["receipts"]:
        assert receipts.get(receipt["id"])["number"] == receipt["number"]


def make_tracker(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), timestamp FLOAT)")
        conn.executemany("INSERT INTO events (sender_id, timestamp) VALUES (?, ?)", [("a", 1.0), ("b", 2.0)])


def test_a_sqlite_backup_restores_every_case_booking_and_receipt(tmp_path, catalogue):
    app_db, tracker_db = tmp_path / "var" / "app.db", tmp_path / "var" / "tracker.db"
    engine = open_database(f"sqlite:///{app_db}")
    made = populate(engine, catalogue)
    make_tracker(tracker_db)
    databases = [Database("app", f"sqlite:///{app_db}"), Database("tracker", f"sqlite:///{tracker_db}")]

    folder = backup.backup(databases, tmp_path / "backups")  # while the engine is open: an online backup

    manifest = json.loads((folder / "manifest.json").read_text())
    assert [(e["name"], e["file"]) for e in manifest["databases"]] == [
        ("app", "app.sqlite"),
        ("tracker", "tracker.sqlite"),
    ]
    assert manifest["databases"][0]["alembic_revision"] == head_revision()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}

    engine.dispose()
    app_db.unlink()
    tracker_db.unlink()

    assert backup.restore(folder, databases) == ["app", "tracker"]

    check_everything_is_back(open_database(f"sqlite:///{app_db}"), catalogue, made)
    with sqlite3.connect(tracker_db) as conn:
        assert conn.execute("SELECT sender_id FROM events ORDER BY id").fetchall() == [("a",), ("b",)]


def test_restore_keeps_the_database_it_replaces(tmp_path, catalogue):
    app_db = tmp_path / "app.db"
    engine = open_database(f"sqlite:///{app_db}")
    populate(engine, catalogue)
    databases = [Database("app", f"sqlite:///{app_db}")]
    folder = backup.backup(databases, tmp_path / "backups")
    CaseStore(engine=engine).create_case(
        point_id="example-point", conversation_id="after", language="fi", channel="kiosk", reason="x"
    )
    engine.dispose()
    backup.restore(folder, databases, now=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))
    assert CaseStore(engine=open_database(f"sqlite:///{app_db}")).open_case_for("after") is None
    kept = tmp_path / "app.db.before-restore-20261201T080000Z"
    assert CaseStore(engine=open_database(f"sqlite:///{kept}")).open_case_for("after") is not None


def test_a_changed_backup_is_refused(tmp_path, catalogue):
    app_db = tmp_path / "app.db"
    populate(open_database(f"sqlite:///{app_db}"), catalogue)
    databases = [Database("app", f"sqlite:///{app_db}")]
    folder = backup.backup(databases, tmp_path / "backups")
    with (folder / "app.sqlite").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(BackupError, match="changed since the backup"):
        backup.restore(folder, databases)


def test_a_database_in_use_is_not_overwritten(tmp_path):
    app_db = tmp_path / "app.db"
    open_database(f"sqlite:///{app_db}").dispose()
    databases = [Database("app", f"sqlite:///{app_db}")]
    folder = backup.backup(databases, tmp_path / "backups")
    busy = sqlite3.connect(app_db)
    busy.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(BackupError, match="in use: stop the stack first"):
            backup.restore(folder, databases)
    finally:
        busy.close()


def test_a_missing_tracker_store_is_noted_and_old_backups_are_pruned(tmp_path):
    app_db = tmp_path / "app.db"
    open_database(f"sqlite:///{app_db}").dispose()
    databases = [Database("app", f"sqlite:///{app_db}"), Database("tracker", f"sqlite:///{tmp_path}/none.db")]
    folders = [backup.backup(databases, tmp_path / "backups") for _ in range(3)]
    manifest = backup.read_manifest(folders[0])
    assert manifest["databases"][1] == {
        "name": "tracker",
        "dialect": "sqlite",
        "source": f"sqlite:///{tmp_path}/none.db",
        "file": None,
        "note": "no database file",
    }
    assert len({f.name for f in folders}) == 3  # same second: numbered folders
    assert backup.prune(tmp_path / "backups", keep=1) == folders[:2]
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [folders[2].name]


def test_command_line_backs_up_and_restores(tmp_path, catalogue, monkeypatch, capsys):
    app_db = tmp_path / "app.db"
    made = populate(open_database(f"sqlite:///{app_db}"), catalogue)
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{app_db}")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path}/tracker.db")
    assert backup.main(["--root", str(tmp_path / "backups")]) == 0
    folder = Path(capsys.readouterr().out.strip())
    app_db.unlink()
    assert backup.main(["restore", str(folder)]) == 0
    check_everything_is_back(open_database(f"sqlite:///{app_db}"), catalogue, made)
    assert backup.main(["restore", str(tmp_path)]) == 1
    assert "not a backup folder" in capsys.readouterr().err


# --- PostgreSQL (the `postgres` fixture of tests/store/conftest.py) ---


def test_a_postgresql_backup_restores_every_case_booking_and_receipt(tmp_path, catalogue, postgres):
    engine = open_database(postgres)
    made = populate(engine, catalogue)
    databases = [Database("app", postgres)]
    folder = backup.backup(databases, tmp_path / "backups")
    assert backup.read_manifest(folder)["databases"][0]["alembic_revision"] == head_revision()
    with engine.begin() as connection:  # wipe: every table of the app gone
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()

    assert backup.restore(folder, databases) == ["app"]

    restored = create_engine(postgres)
    check_everything_is_back(restored, catalogue, made)
    restored.dispose()
