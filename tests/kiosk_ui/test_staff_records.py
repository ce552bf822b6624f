"""Staff records: document receipts and their print sheet, today's remote appointments, statistics (apudiaari)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy.orm import Session

from store.accounts import AccountStore
from store.cases import CaseStore
from store.events import EventLog
from store.models import BookingRow, DocumentReceipt
from store.rows import HELSINKI
from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in

POINT = "example-point"
UTC = dt.UTC
PAGES = ["/staff/receipts", "/staff/remote", "/staff/remote.json", "/staff/statistics", "/staff/statistics.csv"]
FORMS = ["/staff/receipts", "/staff/remote/open"]


@pytest.fixture
def client(tmp_path):
    with make_staff_client(tmp_path) as client:
        store = AccountStore(client.app.state.db_engine)
        store.create("aino", PASSWORD, "advisor")
        store.create("anna", PASSWORD, "admin")
        yield client


def events(client) -> list[dict]:
    return EventLog(client.app.state.db_engine).list_events()


def receipts(client) -> list[DocumentReceipt]:
    with Session(client.app.state.db_engine) as session:
        return list(session.query(DocumentReceipt).order_by(DocumentReceipt.id))


def local_input(moment: dt.datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")


def receipt_form(token: str, **values) -> dict:
    now = dt.datetime.now(HELSINKI)
    # A few minutes back, but never into yesterday: receipts are numbered and listed per Helsinki day.
    now = max(now - dt.timedelta(minutes=5), now.replace(hour=0, minute=0, second=0, microsecond=0))
    return {
        "csrf_token": token,
        "authority": "kela",
        "document_type": "AT 1",
        "received_at": local_input(now),
        "language": "fi",
        **values,
    }


# Access


def test_anonymous_and_wrong_role_are_refused(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), path
        assert client.get(path, headers={"Accept": "application/json"}).status_code == 401, path
    for path in FORMS:
        assert client.post(path, data={}, headers={"Accept": "application/json"}).status_code == 401, path
    signed_in(client, "aino")
    for path in ("/staff/receipts", "/staff/remote", "/staff/remote.json"):
        assert client.get(path).status_code == 200, path
    for path in ("/staff/statistics", "/staff/statistics.csv"):
        assert client.get(path).status_code == 403, path
    assert receipts(client) == [] and events(client) == []


def test_forms_without_csrf_token_are_refused(client):
    token = signed_in(client, "aino")
    for form in (
        {key: value for key, value in receipt_form(token).items() if key != "csrf_token"},
        receipt_form(token + "x"),
    ):
        assert client.post("/staff/receipts", data=form).status_code == 403
    assert client.post("/staff/remote/open", data={"reference": "ABCD-1234"}).status_code == 403
    assert receipts(client) == [] and events(client) == []


# Document receipts


def test_recording_a_receipt_stores_it_records_the_event_and_opens_the_print_sheet(client):
    token = signed_in(client, "aino")
    received = (dt.datetime.now(HELSINKI) - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    response = client.post(
        "/staff/receipts?lang=en",
        data=receipt_form(token, received_at=local_input(received), language="sv", document_type="attachment"),
    )
    assert response.status_code == 303
    [receipt] = receipts(client)
    assert response.headers["location"] == f"/staff/receipts/{receipt.id}/print?lang=en"
    assert (receipt.authority, receipt.document_type, receipt.language, receipt.received_by, receipt.point_id) == (
        "kela",
        "attachment",
        "sv",
        "aino",
        POINT,
    )
    assert receipt.received_at.replace(tzinfo=UTC) == received
    assert re.fullmatch(rf"{received:%Y%m%d}-001", receipt.number)
    [event] = events(client)
    assert {k: event[k] for k in ("event_type", "authority", "category", "channel", "language", "point_id")} == {
        "event_type": "document_received",
        "authority": "kela",
        "category": "receive_documents",
        "channel": "kiosk",
        "language": "sv",
        "point_id": POINT,
    }
    assert event["occurred_at"] == received


def test_print_sheet_shows_the_receipt_in_its_own_language(client):
    token = signed_in(client, "aino")
    received = dt.datetime.now(HELSINKI).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    client.post("/staff/receipts", data=receipt_form(token, received_at=local_input(received), language="sv"))
    [receipt] = receipts(client)
    sheet = client.get(f"/staff/receipts/{receipt.id}/print?lang=fi")
    assert sheet.status_code == 200 and '<html lang="sv">' in sheet.text
    catalogue = client.app.state.catalogue
    for text in (
        catalogue.point["name"]["sv"],
        catalogue.point["address"]["sv"],
        "FPA",
        "AT 1 " + catalogue.forms["AT 1"]["name"]["sv"],
        receipt.number,
        "aino",
        f"kl. {received.hour}.{received.minute:02d}",
        f"{received.day}.{received.month}.{received.year}",
        "samma rättsliga verkan",
        "Kvitto på mottagen handling",
    ):
        assert text in sheet.text, text
    assert "script-src 'self'" in sheet.headers["content-security-policy"]
    assert client.get(f"/staff/receipts/{receipt.id + 1}/print").status_code == 404


def test_receipt_numbers_are_unique_and_todays_receipts_are_listed_for_reprinting(client):
    token = signed_in(client, "aino")
    for document in ("AT 1", "application", "other"):
        assert client.post("/staff/receipts", data=receipt_form(token, document_type=document)).status_code == 303
    numbers = [r.number for r in receipts(client)]
    assert len(set(numbers)) == 3 and [n[-3:] for n in numbers] == ["001", "002", "003"]
    page = client.get("/staff/receipts?lang=en").text
    for receipt in receipts(client):
        assert receipt.number in page and f"/staff/receipts/{receipt.id}/print" in page
    assert "Other document" in page and "Print again" in page


@pytest.mark.parametrize(
    "values, error",
    [
        ({"received_at_delta": dt.timedelta(hours=1)}, "cannot be in the future"),
        ({"received_at_delta": -dt.timedelta(days=31)}, "at most 30 days ago"),
        ({"received_at": "yesterday"}, "Give the date and time"),
        ({"authority": "ely"}, "Choose an authority"),  # ended
        ({"authority": "tax"}, "does not belong to the chosen authority"),  # AT 1 is Kela's
        ({"document_type": "XX 9"}, "Choose a document"),
        ({"language": "de"}, "Choose the language"),
        ({"case_id": "999"}, "customer was not found"),
    ],
)
def test_wrong_receipts_are_refused_with_a_clear_error(client, values, error):
    token = signed_in(client, "aino")
    values = dict(values)
    delta = values.pop("received_at_delta", None)
    if delta is not None:
        values["received_at"] = local_input(dt.datetime.now(HELSINKI) + delta)
    response = client.post("/staff/receipts?lang=en", data=receipt_form(token, **values))
    assert response.status_code == 400 and error in response.text
    assert receipts(client) == [] and events(client) == []


def test_form_offers_catalogue_authorities_and_forms_and_defaults_to_now(client):
    signed_in(client, "aino")
    page = client.get("/staff/receipts?lang=fi").text
    catalogue = client.app.state.catalogue
    assert '<option value="kela"' in page and '<option value="ely"' not in page  # ELY ended
    assert f'<option value="AT 1" >AT 1 {catalogue.forms["AT 1"]["name"]["fi"]}</option>' in page
    assert '<optgroup label="Kela" data-authority="kela">' in page and "Liite" in page
    now = re.search(r'name="received_at" type="datetime-local" required value="([^"]+)"', page).group(1)
    default = dt.datetime.fromisoformat(now).replace(tzinfo=HELSINKI)
    assert abs(default - dt.datetime.now(HELSINKI)) < dt.timedelta(minutes=2)


def test_receipt_for_a_case_shows_its_ticket_and_keeps_the_case(client):
    case = CaseStore(engine=client.app.state.db_engine).create_case(
        point_id=POINT, conversation_id="c1", language="fi", channel="kiosk", reason="document"
    )
    token = signed_in(client, "aino")
    page = client.get(f"/staff/receipts?case={case['id']}&lang=fi").text
    assert f"Vuoronumero {case['ticket']}" in page and f'name="case_id" value="{case["id"]}"' in page
    assert client.post("/staff/receipts", data=receipt_form(token, case_id=str(case["id"]))).status_code == 303
    assert receipts(client)[0].case_id == case["id"]


# Today's remote appointments


def add_booking(
    client,
    reference: str,
    kind: str,
    start: dt.datetime,
    status: str = "booked",
    phone: str | None = None,
    language: str = "sv",
) -> None:
    room = client.app.state.catalogue.point["remote_rooms"][0]["id"] if kind == "remote" else None
    start_utc = start.astimezone(UTC).replace(tzinfo=None)
    with Session(client.app.state.db_engine) as session:
        session.add(
            BookingRow(
                reference=reference.replace("-", ""),
                kind=kind,
                topic="families",
                language=language,
                calendar="test",
                room=room,
                start_at=start_utc,
                end_at=start_utc + dt.timedelta(minutes=45),
                status=status,
                point_id=POINT,
                channel="kiosk",
                phone=phone,
                created_at=dt.datetime.now(UTC).replace(tzinfo=None),
            )
        )
        session.commit()


def test_remote_page_lists_only_todays_remote_appointments_without_phone_numbers(client):
    today = dt.datetime.now(HELSINKI).date()
    ten = dt.datetime.combine(today, dt.time(10, 0), HELSINKI)
    add_booking(client, "TODA-Y001", "remote", ten, phone="+358401112223")
    add_booking(client, "TOMO-RROW", "remote", ten + dt.timedelta(days=1))
    add_booking(client, "PHON-E001", "phone", ten, phone="+358409998887")
    add_booking(client, "CANC-ELED", "remote", ten + dt.timedelta(hours=2), status="cancelled")
    signed_in(client, "aino")
    page = client.get("/staff/remote?lang=fi").text
    assert "TODA-Y001" in page and "10.00–10.45" in page and "ruotsi" in page
    for absent in ("TOMO-RROW", "PHON-E001", "CANC-ELED", "1112223", "9998887"):
        assert absent not in page, absent
    assert "Avaa etäyhteys" in page and "Etäpalveluhuone 1" in page


def test_opening_a_remote_connection_records_one_event_and_shows_it_opened(client):
    ten = dt.datetime.combine(dt.datetime.now(HELSINKI).date(), dt.time(10, 0), HELSINKI)
    add_booking(client, "TODA-Y001", "remote", ten)
    add_booking(client, "TOMO-RROW", "remote", ten + dt.timedelta(days=1))
    token = signed_in(client, "aino")
    for _ in range(2):  # a second click counts nothing more
        response = client.post("/staff/remote/open?lang=en", data={"csrf_token": token, "reference": "TODA-Y001"})
        assert response.status_code == 303 and response.headers["location"] == "/staff/remote?lang=en&opened=TODA-Y001"
    [event] = events(client)
    assert {
        k: event[k] for k in ("event_type", "authority", "category", "channel", "language", "point_id", "service")
    } == {
        "event_type": "remote_connection_opened",
        "authority": "kela",
        "category": "remote_service",
        "channel": "kiosk",
        "language": "sv",
        "point_id": POINT,
        "service": "TODA-Y001",
    }
    page = client.get(response.headers["location"]).text
    assert 'data-opened="TODA-Y001"' in page and "Connection opened" in page
    assert 'name="reference" value="TODA-Y001"' not in page
    response = client.post("/staff/remote/open", data={"csrf_token": token, "reference": "TOMO-RROW"})
    assert response.headers["location"].endswith("error=unknown_booking")
    assert len(events(client)) == 1
    assert "not among today" in client.get("/staff/remote?lang=en&error=unknown_booking").text


def test_remote_json_under_staff_gives_rooms_without_phone_numbers(client):
    add_booking(
        client,
        "TODA-Y001",
        "remote",
        dt.datetime.combine(dt.datetime.now(HELSINKI).date(), dt.time(10, 0), HELSINKI),
        phone="+358401112223",
    )
    signed_in(client, "aino")
    body = client.get("/staff/remote.json").json()
    [appointment] = [a for room in body["rooms"] for a in room["appointments"]]
    assert appointment["reference"] == "TODA-Y001" and "phone" not in appointment
    assert "1112223" not in client.get("/staff/remote.json").text


# Statistics

# (UTC time, event type, authority, category, expected Helsinki month of 2026 or None for another year)
EVENTS = [
    (dt.datetime(2025, 12, 31, 21, 59), "form_handed_out", "kela", "hand_out_material", None),  # 23:59 31 Dec
    (dt.datetime(2025, 12, 31, 22, 0), "form_handed_out", "kela", "hand_out_material", 1),  # 00:00 1 Jan
    (dt.datetime(2026, 1, 31, 21, 30), "document_received", "kela", "receive_documents", 1),  # 23:30 31 Jan
    (dt.datetime(2026, 1, 31, 21, 30), "document_received", "tax", "receive_documents", 1),
    (dt.datetime(2026, 1, 31, 22, 30), "document_received", "kela", "receive_documents", 2),  # 00:30 1 Feb
    (dt.datetime(2026, 2, 10, 9, 0), "booking_made", "kela", "appointment_booking", 2),
    (dt.datetime(2026, 2, 11, 9, 0), "booking_cancelled", "kela", "appointment_booking", 2),
    (dt.datetime(2026, 3, 31, 20, 30), "handoff_resolved", "police", "advice", 3),  # 23:30 EEST
    (dt.datetime(2026, 3, 31, 21, 30), "remote_connection_opened", "kela", "remote_service", 4),  # 00:30 1 Apr
    (dt.datetime(2026, 12, 31, 21, 59), "feedback_recorded", "tax", "feedback", 12),
    (dt.datetime(2026, 12, 31, 22, 0), "feedback_recorded", "tax", "feedback", None),  # 00:00 1 Jan 2027
]


def expected_counts() -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    for _, event_type, authority, category, month in EVENTS:
        if month:
            key = (month, authority, category, event_type)
            counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture
def recorded(client):
    log = EventLog(client.app.state.db_engine)
    for utc, event_type, authority, category, _ in EVENTS:
        log.record(
            event_type=event_type,
            authority=authority,
            category=category,
            channel="kiosk",
            language="fi",
            point_id=POINT,
            occurred_at=utc.replace(tzinfo=UTC),
        )
    log.record(
        event_type="form_handed_out",
        authority="kela",
        category="hand_out_material",
        channel="web",
        language="fi",
        point_id="another-point",
        occurred_at=dt.datetime(2026, 5, 5, 9, tzinfo=UTC),
    )
    return client


def page_table(html: str, testid: str, key_attrs: tuple[str, ...]) -> dict[tuple, list[int]]:
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = {}
    pattern = "".join(rf' data-{a}="([^"]+)"' for a in key_attrs)
    for match in re.finditer(rf"<tr{pattern}>(.*?)</tr>", body, re.S):
        cells = re.findall(r'data-month="(\d+)">(\d+)<', match.group(len(key_attrs) + 1))
        assert [int(m) for m, _ in cells] == list(range(1, 13))
        total = int(re.search(r"data-total>(\d+)<", match.group(len(key_attrs) + 1)).group(1))
        counts = [int(n) for _, n in cells]
        assert total == sum(counts)
        rows[match.groups()[: len(key_attrs)]] = counts
    return rows


def test_statistics_page_counts_equal_the_events(recorded):
    client = recorded
    signed_in(client, "anna")
    page = client.get("/staff/statistics?year=2026&lang=en")
    assert page.status_code == 200
    expected = expected_counts()
    by_category: dict[tuple, list[int]] = {}
    by_type: dict[tuple, list[int]] = {}
    for (month, authority, category, event_type), count in expected.items():
        by_category.setdefault((authority, category), [0] * 12)[month - 1] += count
        by_type.setdefault((event_type,), [0] * 12)[month - 1] += count
    assert page_table(page.text, "counts", ("authority", "category")) == by_category
    assert page_table(page.text, "types", ("event-type",)) == by_type
    assert re.search(r"data-grand-total>(\d+)<", page.text).group(1) == str(sum(expected.values()))
    # Names from the catalogue and the texts, in the page's language.
    catalogue = client.app.state.catalogue
    for text in (
        catalogue.authorities["tax"]["name"]["en"],
        catalogue.advisor_tasks["remote_service"]["name"]["en"],
        "Remote connection opened",
        "Customer served by the advisor",
    ):
        assert text in page.text, text
    # The chart: one bar per month and authority, coloured by class (no inline style), with a text alternative.
    chart = re.search(r'<svg class="records-chart".*?</svg>', page.text, re.S).group(0)
    assert 'role="img"' in chart and "aria-label=" in chart and "style=" not in chart
    bars = {(month, authority) for month, authority, _, _ in expected}
    assert len(re.findall(r'<rect class="series-\d"', chart)) == len(bars)


def test_statistics_csv_counts_equal_the_events(recorded):
    client = recorded
    signed_in(client, "anna")
    response = client.get("/staff/statistics.csv?year=2026&lang=fi")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="apudiaari-{POINT}-2026.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["month", "authority", "category", "event_type", "count", "authority_name", "category_name"]
    got = {(int(r[0][5:]), r[1], r[2], r[3]): int(r[4]) for r in rows[1:]}
    assert all(r[0][:4] == "2026" for r in rows[1:])
    assert got == expected_counts()
    assert "Verohallinto" in response.content.decode("utf-8-sig")
    assert "Asiakaspalautteen vastaanotto ja kirjaaminen" in response.content.decode("utf-8-sig")


def test_statistics_of_an_empty_year_and_a_bad_year(client):
    signed_in(client, "anna")
    page = client.get("/staff/statistics?year=2031&lang=en")
    assert page.status_code == 200 and "No events were recorded in 2031." in page.text
    assert client.get("/staff/statistics?year=abc").status_code == 422
    rows = client.get("/staff/statistics.csv?year=2031").content.decode("utf-8-sig").splitlines()
    assert len(rows) == 1
