"""The advisor's list of remote appointments and the customer's calendar file."""

import pytest
from fastapi.testclient import TestClient

from kiosk_ui.app import create_app
from kiosk_ui.deps import STAFF_COOKIE
from kiosk_ui.settings import Settings
from store.accounts import AccountStore
from tests.kiosk_ui.test_staff import PASSWORD, login


@pytest.fixture
def app(tmp_path):
    return create_app(Settings(app_database_url=f"sqlite:///{tmp_path}/app.db"))


def book(app, kind):
    client, point = app.state.booking_client, app.state.catalogue.point
    slot = client.free_slots(kind, "families", "fi")[0]
    return client.book(
        kind=kind,
        topic="families",
        language="fi",
        start=slot.start,
        phone="+358401234567" if kind == "phone" else None,
        point_id=point["id"],
        channel="kiosk",
    )


def staff_headers(app, role: str) -> dict:
    """The staff session cookie, sent by hand: the browser keeps it to /staff paths."""
    AccountStore(app.state.db_engine).create(role, PASSWORD, role)
    staff = TestClient(app, base_url="https://testserver", follow_redirects=False)
    assert login(staff, role).status_code == 303
    return {"Cookie": f"{STAFF_COOKIE}={staff.cookies.get(STAFF_COOKIE)}", "Accept": "application/json"}


def test_remote_appointments_need_a_staff_login(app):
    client = TestClient(app, follow_redirects=False)
    assert client.get("/api/bookings/remote", headers={"Accept": "application/json"}).status_code == 401
    response = client.get("/api/bookings/remote")
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    assert (
        client.get(
            "/api/bookings/remote", headers={"Cookie": f"{STAFF_COOKIE}=forged", "Accept": "application/json"}
        ).status_code
        == 401
    )
    AccountStore(app.state.db_engine).create("uusi", PASSWORD, "advisor", must_change_password=True)
    staff = TestClient(app, base_url="https://testserver", follow_redirects=False)
    login(staff, "uusi")
    headers = {"Cookie": f"{STAFF_COOKIE}={staff.cookies.get(STAFF_COOKIE)}", "Accept": "application/json"}
    assert client.get("/api/bookings/remote", headers=headers).status_code == 403


def test_remote_appointments_list_rooms_with_todays_and_tomorrows_bookings(app):
    booking, phone_booking = book(app, "remote"), book(app, "phone")
    body = TestClient(app).get("/api/bookings/remote", headers=staff_headers(app, "advisor")).json()
    assert body["point"] == app.state.catalogue.point["id"] and len(body["days"]) == 2
    assert [room["id"] for room in body["rooms"]] == [r["id"] for r in app.state.catalogue.point["remote_rooms"]]
    listed = [a for room in body["rooms"] for a in room["appointments"]]
    assert all(set(a) == {"reference", "topic", "language", "start", "end"} for a in listed)
    assert phone_booking.reference not in [a["reference"] for a in listed]
    # The earliest free time may be after a weekend or a holiday: listed only if today or tomorrow.
    expected = booking.start.date().isoformat() in body["days"]
    assert (booking.reference in [a["reference"] for a in listed]) == expected


def test_ics_download_for_a_booking(app):
    booking = book(app, "phone")
    response = TestClient(app).get(f"/bookings/{booking.reference}.ics?lang=sv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content and booking.reference.encode() in response.content
    assert b"401234567" not in response.content
    assert "attachment" in response.headers["content-disposition"]


def test_ics_of_unknown_or_cancelled_booking_is_404(app):
    client = TestClient(app)
    assert client.get("/bookings/ZZZZ-9999.ics").status_code == 404
    booking = book(app, "remote")
    app.state.booking_client.cancel(booking.reference)
    assert client.get(f"/bookings/{booking.reference}.ics").status_code == 404
    assert client.get(f"/bookings/{booking.reference}.ics?lang=de").status_code == 422
