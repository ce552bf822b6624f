"""The cost-sharing report in Chromium (issue 14): an admin opens a month of events, downloads the CSV and
prints one authority's sheet; axe finds nothing, and the sheet is one A4 page. Needs no Rasa: only the web app."""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from service_catalogue.loader import load_catalogue
from store.db import open_database
from tests.browser.conftest import LANDSCAPE, App
from tests.browser.helpers import check_axe, shot
from tests.browser.test_staff import make_staff, sign_in
from tests.e2e.conftest import ROOT, free_port
from tests.kiosk_ui.test_staff_statistics import END, START, a_month_of_events

MONTH = "year=2026&month=11&point=example-point"


@dataclass
class NoRasa:
    """What App needs of the e2e stack, with Rasa and the action server at closed ports: the report reads
    only the app database."""

    root: Path

    def __post_init__(self):
        self.app_db = self.root / "app.db"
        self.rasa_url = f"http://127.0.0.1:{free_port()}"
        self.action_url = f"http://127.0.0.1:{free_port()}"
        self.token = "browser-test-token"

    def env(self) -> dict:
        return {
            **{k: v for k, v in os.environ.items() if k != "BIND_ADDRESS"},
            "PYTHONPATH": str(ROOT),
            "APP_DATABASE_URL": f"sqlite:///{self.app_db}",
            "TRACKER_STORE_URL": f"sqlite:///{self.root / 'tracker.db'}",
            "MODEL_BANK_DIR": str(self.root / "models"),
            "RUN_DIR": str(self.root / "run"),
            "STAFF_COOKIE_SECURE": "false",
        }


@pytest.fixture(scope="module")
def report_app(tmp_path_factory):
    """A web app whose database holds a month of events at the point, and an admin."""
    stub = NoRasa(tmp_path_factory.mktemp("report"))
    engine = open_database(f"sqlite:///{stub.app_db}")
    a_month_of_events(engine, load_catalogue())
    engine.dispose()
    make_staff(stub.app_db)
    with App("report", stub.root, stub, db=stub.app_db) as app:  # type: ignore[arg-type]
        yield app


def group_by(db: Path, *columns: str) -> dict[tuple, int]:
    sql = (
        f"SELECT {', '.join(columns)}, COUNT(*) FROM service_events WHERE point_id = 'example-point' "
        f"AND occurred_at >= ? AND occurred_at < ? GROUP BY {', '.join(columns)}"
    )
    with sqlite3.connect(db) as connection:
        return {tuple(row[:-1]): row[-1] for row in connection.execute(sql, (START, END))}


def test_the_admin_reads_the_month_downloads_it_and_prints_kelas_sheet(report_app, new_page):
    page = new_page(LANDSCAPE)
    sign_in(page, report_app.url, "anna")
    page.goto(f"{report_app.url}/staff/statistics?{MONTH}&lang=fi")
    expect(page.locator("h1")).to_have_text("Kustannustenjaon raportti: marraskuu 2026")
    expect(page.locator("[data-testid=chart]")).to_be_visible()
    by_authority = group_by(report_app.db, "authority")
    volume = page.locator("[data-testid=volume]")
    for (authority,), count in by_authority.items():
        expect(volume.locator(f"tr[data-authority={authority}] [data-total]")).to_have_text(str(count))
    shot(page, "staff-statistics-report-fi", full_page=True)
    check_axe(page, "staff-statistics-report-fi")

    # The CSV the button downloads: the same figures, the actor in its own column.
    with page.expect_download() as download:
        page.locator("[data-testid=csv-month]").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig")), delimiter=";"))
    got = {(r["authority"], r["category"], r["actor"]): 0 for r in rows}
    for r in rows:
        got[(r["authority"], r["category"], r["actor"])] += int(r["count"])
    assert got == group_by(report_app.db, "authority", "category", "actor")

    # Kela's sheet, from its link in the volume table, in Swedish as well: one A4 page each.
    volume.locator("tr[data-authority=kela] a").click()
    expect(page.locator("h1")).to_have_text("Kela")
    kela = {c: n for (a, c), n in group_by(report_app.db, "authority", "category").items() if a == "kela"}
    for category, count in kela.items():
        expect(page.locator(f"[data-testid=report] tr[data-category={category}] [data-total]")).to_have_text(str(count))
    shot(page, "staff-statistics-print-kela-fi", full_page=True)
    check_axe(page, "staff-statistics-print-kela-fi")
    assert len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4"))) == 1
    page.goto(f"{report_app.url}/staff/statistics/report?{MONTH}&authority=kela&lang=sv")
    expect(page.locator(".sheet-kicker")).to_have_text("Servicehändelser inom samservice")
    shot(page, "staff-statistics-print-kela-sv", full_page=True)
    check_axe(page, "staff-statistics-print-kela-sv")
    assert len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4"))) == 1
    # The longest standard list (seed 004's tasks and the point's three) fits one page as well.
    page.goto(f"{report_app.url}/staff/statistics/report?{MONTH}&authority=police&lang=sv")
    assert page.locator("[data-testid=report] tbody tr").count() == 11
    assert len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4"))) == 1
