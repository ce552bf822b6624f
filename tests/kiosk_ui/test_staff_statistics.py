"""The cost-sharing report (admin): a month of events, and every figure of the page, the CSV and each
authority's print sheet equals a GROUP BY of the test's own over the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from collections import Counter

import pytest
from sqlalchemy import text

from service_catalogue.loader import Catalogue
from store.events import ACTORS, CATEGORIES, EventLog
from tests.kiosk_ui.test_staff import signed_in, staff_client_with

POINT = "example-point"
UTC = dt.UTC
# November 2026 in Helsinki is UTC+2 (summer time ended on 25 October): written out, not computed by the app.
START, END = "2026-10-31 22:00:00", "2026-11-30 22:00:00"
REPORT = "year=2026&month=11&point=example-point"


@pytest.fixture
def client(tmp_path):
    with staff_client_with(tmp_path, {"aino": "advisor", "anna": "admin"}) as client:
        yield client


def a_month_of_events(engine, cat: Catalogue) -> None:
    """An evening's worth of every event kind each day of November, with the edges of the month around it."""
    log = EventLog(engine, cat.valid_pair)
    rng = random.Random(14)
    offered = [(a, c) for a in cat.authorities for c in cat.categories_for(a) if c in cat.point["capabilities"]]
    forms = [(f["authority"], code) for code, f in cat.forms.items()]

    def add(moment, event_type, actor, authority, category=None, point=POINT, service=None):
        log.record(
            event_type=event_type,
            actor=actor,
            authority=authority,
            category=category or CATEGORIES[event_type],
            channel=rng.choice(["kiosk", "web"]),
            language=rng.choice(["fi", "sv", "en"]),
            point_id=point,
            service=service,
            occurred_at=moment,
        )

    for day in range(1, 31):
        evening = dt.datetime(2026, 11, day, 14, 0, tzinfo=UTC)
        for minute in range(rng.randint(3, 8)):
            authority, code = rng.choice(forms)
            add(evening + dt.timedelta(minutes=minute), "form_shown", "assistant", authority, service=code)
        for minute in range(rng.randint(0, 3)):
            kind = rng.choice(["booking_made", "booking_moved", "booking_cancelled"])
            add(evening + dt.timedelta(minutes=20 + minute), kind, "self_service", "kela")
        for minute in range(rng.randint(1, 4)):
            authority, category = rng.choice(offered)
            add(evening + dt.timedelta(minutes=30 + minute), "handoff_resolved", "advisor", authority, category)
        add(evening + dt.timedelta(minutes=40), "document_received", "advisor", rng.choice(["kela", "tax", "dvv"]))
        if day % 3 == 0:
            add(evening + dt.timedelta(minutes=45), "remote_connection_opened", "advisor", "kela")
            add(evening + dt.timedelta(minutes=50), "feedback_recorded", "self_service", rng.choice(["kela", "police"]))
    # The edges: 23:59:59 on 31 October and 00:00 on 1 December are not November; 00:00 on 1 November is.
    add(dt.datetime(2026, 10, 31, 21, 59, 59, tzinfo=UTC), "handoff_resolved", "advisor", "kela", "advice")
    add(dt.datetime(2026, 10, 31, 22, 0, tzinfo=UTC), "handoff_resolved", "advisor", "kela", "advice")
    add(dt.datetime(2026, 11, 30, 21, 59, 59, tzinfo=UTC), "handoff_resolved", "advisor", "tax", "other")
    add(dt.datetime(2026, 11, 30, 22, 0, tzinfo=UTC), "handoff_resolved", "advisor", "tax", "other")
    add(dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC), "handoff_resolved", "advisor", "kela", "advice", point="p2")


def group_by(client, *columns: str, where: str = "") -> Counter:
    """The test's own count: a GROUP BY over the stored rows of November at the point."""
    sql = (
        f"SELECT {', '.join(columns)}, COUNT(*) FROM service_events "
        f"WHERE point_id = :point AND occurred_at >= :start AND occurred_at < :end {where} "
        f"GROUP BY {', '.join(columns)}"
    )
    with client.app.state.db_engine.connect() as connection:
        rows = connection.execute(text(sql), {"point": POINT, "start": START, "end": END}).all()
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def cells(html: str, row_attr: str) -> dict[tuple[str, str], int]:
    """{(row key, actor): count} of a table's body rows, and each row's total checked against its cells."""
    found = {}
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    for key, row in re.findall(rf'<tr data-{row_attr}="([^"]+)">(.*?)</tr>', body, re.S):
        counts = dict(re.findall(r'data-actor="([a-z_]+)">(\d+)<', row))
        assert list(counts) == list(ACTORS)
        assert int(re.search(r"data-total>(\d+)<", row).group(1)) == sum(map(int, counts.values()))
        found.update({(key, actor): int(n) for actor, n in counts.items()})
    return found


def nonzero(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if v}


@pytest.fixture
def month(client):
    a_month_of_events(client.app.state.db_engine, client.app.state.catalogue)
    signed_in(client, "anna")
    return client


def test_every_figure_of_the_page_equals_the_group_by(month):
    client = month
    page = client.get(f"/staff/statistics?{REPORT}&lang=fi")
    assert page.status_code == 200
    by_category = group_by(client, "authority", "category", "actor")
    by_authority = group_by(client, "authority", "actor")
    assert sum(by_authority.values()) > 150  # a real month, not a handful
    volume = re.search(r'data-testid="volume">(.*?)</table>', page.text, re.S).group(1)
    assert nonzero(cells(volume, "authority")) == dict(by_authority)
    assert int(re.search(r"data-grand-total>(\d+)<", volume).group(1)) == sum(by_authority.values())
    footer = dict(re.findall(r'data-actor="([a-z_]+)">(\d+)<', re.search(r"<tfoot>(.*?)</tfoot>", volume, re.S)[1]))
    assert {a: int(n) for a, n in footer.items() if int(n)} == dict(
        Counter({actor: n for (actor,), n in group_by(client, "actor").items()})
    )
    for authority in {a for a, _ in by_authority}:
        section = re.search(rf'data-testid="authority-{authority}">(.*?)</section>', page.text, re.S).group(1)
        expected = {(c, actor): n for (a, c, actor), n in by_category.items() if a == authority}
        assert nonzero(cells(section, "category")) == expected, authority
        link = f"/staff/statistics/report?{REPORT}&lang=fi&authority={authority}".replace("&", "&amp;")
        assert link in section
    # The chart: one segment per authority and actor with a count, coloured by class, with a text alternative.
    chart = re.search(r'<svg class="records-chart".*?</svg>', page.text, re.S).group(0)
    assert 'role="img"' in chart and "aria-label=" in chart and "style=" not in chart
    assert len(re.findall(r'<rect class="series-\d"', chart)) == len(by_authority)
    assert "Palveluneuvoja" in page.text and "Avustaja" in page.text and "marraskuu 2026" in page.text


def test_every_figure_of_the_csv_equals_the_group_by_and_the_assistant_is_never_the_advisor(month):
    client = month
    response = client.get(f"/staff/statistics.csv?{REPORT}&lang=sv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="apudiaari-{POINT}-2026-11.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == [
        "month",
        "point",
        "authority",
        "category",
        "actor",
        "event_type",
        "count",
        "authority_name",
        "category_name",
        "actor_name",
    ]
    got = {(r["authority"], r["category"], r["actor"], r["event_type"]): int(r["count"]) for r in rows}
    assert len(got) == len(rows) and {r["month"] for r in rows} == {"2026-11"} and {r["point"] for r in rows} == {POINT}
    assert got == dict(group_by(client, "authority", "category", "actor", "event_type"))
    assert {r["actor"] for r in rows if r["event_type"] == "form_shown"} == {"assistant"}
    advisor = sum(int(r["count"]) for r in rows if r["actor"] == "advisor")
    assert advisor == sum(group_by(client, "actor", where="AND actor = 'advisor'").values())
    assert {r["actor_name"] for r in rows} == {"Assistenten", "Rådgivaren", "Kunden själv"}
    # The whole year: every month's lines, November's the same.
    year = list(
        csv.DictReader(io.StringIO(client.get("/staff/statistics.csv?year=2026").text.lstrip("\ufeff")), delimiter=";")
    )
    assert {r["month"] for r in year} == {"2026-10", "2026-11", "2026-12"}
    assert sum(int(r["count"]) for r in year if r["month"] == "2026-11") == sum(got.values())


def test_each_authoritys_print_sheet_equals_the_group_by(month):
    client = month
    by_category = group_by(client, "authority", "category", "actor")
    cat = client.app.state.catalogue
    for authority in {a for a, _, _ in by_category}:
        sheet = client.get(f"/staff/statistics/report?{REPORT}&authority={authority}&lang=fi")
        assert sheet.status_code == 200
        table = re.search(r'data-testid="report">(.*?)</table>', sheet.text, re.S).group(1)
        expected = {(c, actor): n for (a, c, actor), n in by_category.items() if a == authority}
        assert nonzero(cells(table, "category")) == expected, authority
        advisor = sum(n for (c, actor), n in expected.items() if actor == "advisor")
        assert re.search(r"data-advisor-total>(\d+)<", sheet.text).group(1) == str(advisor)
        assert re.search(r"data-grand-total>(\d+)<", sheet.text).group(1) == str(sum(expected.values()))
        assert cat.authorities[authority]["name"]["fi"] in sheet.text and "marraskuu 2026" in sheet.text
        # Its own list, in its order, every category shown (a zero too): the authority sees its whole list.
        shown = re.findall(r'<tr data-category="([a-z_]+)">', table)
        assert shown[: len(cat.categories_for(authority))] == [c for c in cat.categories_for(authority) if c in shown]
    assert "Kelan hakemusten" in client.get(f"/staff/statistics/report?{REPORT}&authority=kela&lang=fi").text
    dvv = client.get(f"/staff/statistics/report?{REPORT}&authority=dvv&lang=fi").text
    assert "Asiakirjojen vastaanotto" in dvv and "Kelan hakemusten" not in dvv


def test_another_point_and_empty_months(month):
    client = month
    other = client.get("/staff/statistics?year=2026&month=11&point=p2&lang=en")
    assert other.status_code == 200 and re.search(r"data-grand-total>(\d+)<", other.text).group(1) == "1"
    assert client.get("/staff/statistics?point=nowhere").status_code == 404
    empty = client.get("/staff/statistics?year=2031&month=1&lang=en")
    assert empty.status_code == 200 and "No events were recorded in January 2031." in empty.text
    assert client.get("/staff/statistics?year=abc").status_code == 422
    assert client.get("/staff/statistics?month=13").status_code == 422
    assert len(client.get("/staff/statistics.csv?year=2031").content.decode("utf-8-sig").splitlines()) == 1
    blank = client.get("/staff/statistics/report?year=2031&month=1&authority=police&lang=en")
    assert blank.status_code == 200 and re.search(r"data-grand-total>(\d+)<", blank.text).group(1) == "0"
    assert client.get("/staff/statistics/report?authority=nobody").status_code == 404


def test_only_an_admin_sees_the_report(client):
    for path in ("/staff/statistics", "/staff/statistics.csv", "/staff/statistics/report?authority=kela"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), path
    signed_in(client, "aino")
    for path in ("/staff/statistics", "/staff/statistics.csv", "/staff/statistics/report?authority=kela"):
        assert client.get(path, headers={"Accept": "application/json"}).status_code == 403, path
