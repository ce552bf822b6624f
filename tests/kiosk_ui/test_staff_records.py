"""Staff records: document receipts and their print sheet, today's remote appointments."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy.orm import Session

from store.cases import CaseStore
from store.events import EventLog
from store.models import BookingRow, DocumentReceipt
from store.rows import HELSINKI
from tests.kiosk_ui.test_staff import signed_in, staff_client_with

POINT = "example-point"
UTC = dt.UTC
PAGES = ["/staff/receipts", "/staff/remote", "/staff/remote.json"]
FORMS = ["/staff/receipts", "/staff/remote/open"]


@pytest.fixture
def client(tmp_path):
    with staff_client_with(tmp_path, {"aino": "advisor", "anna": "admin"}) as client:
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
    assert event["occurred_at"] == received and event["actor"] == "advisor"


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
    assert event["actor"] == "advisor"
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
