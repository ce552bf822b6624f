"""Remote appointments by day (/staff/remote): today, tomorrow and a picked date, per room; opening only today."""

from __future__ import annotations

import datetime as dt

from store.rows import HELSINKI
from tests.kiosk_ui.test_staff import signed_in
from tests.kiosk_ui.test_staff_records import add_booking, client  # noqa: F401  # client: the records' fixture


def _ten(days_ahead: int) -> dt.datetime:
    day = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(10, 0), HELSINKI)


def test_today_tomorrow_and_a_picked_day_each_show_their_appointments(client):  # noqa: F811
    """Each day lists only its own bookings per room; the day links and the picker are on every view."""
    add_booking(client, "TODA-Y001", "remote", _ten(0))
    add_booking(client, "TOMO-RROW", "remote", _ten(1))
    add_booking(client, "NEXT-WEEK", "remote", _ten(7))
    signed_in(client, "aino")
    today = _ten(0).date().isoformat()
    tomorrow, later = _ten(1).date(), _ten(7).date()
    page = client.get("/staff/remote?lang=fi").text
    assert "TODA-Y001" in page and "TOMO-RROW" not in page and "Avaa etäyhteys" in page
    assert f'href="/staff/remote?lang=fi&amp;day={today}" aria-current="date"' in page
    assert 'type="date" id="remote-day" name="day"' in page and '<label for="remote-day">Päivä</label>' in page
    page = client.get(f"/staff/remote?lang=sv&day={tomorrow.isoformat()}").text
    assert "TOMO-RROW" in page and "TODA-Y001" not in page and "NEXT-WEEK" not in page
    assert f"{tomorrow.day}.{tomorrow.month}.{tomorrow.year}" in page and "I morgon" in page
    assert 'action="/staff/remote/open' not in page  # only on the appointment's day
    assert 'aria-current="date">I morgon' in page and "Etäpalveluhuone" not in page
    page = client.get(f"/staff/remote?lang=en&day={later.isoformat()}").text
    assert "NEXT-WEEK" in page and "TOMO-RROW" not in page and "Remote service room 1" in page


def test_a_day_that_does_not_exist_shows_today(client):  # noqa: F811
    """A hand-edited address is no error page: today's appointments instead."""
    add_booking(client, "TODA-Y001", "remote", _ten(0))
    signed_in(client, "aino")
    for day in ("2026-02-30", "huomenna", ""):
        response = client.get(f"/staff/remote?lang=en&day={day}")
        assert response.status_code == 200 and "TODA-Y001" in response.text, day


def test_a_tomorrows_appointment_cannot_be_opened_today(client):  # noqa: F811
    """Opening stays for today's appointments (the customer is in the room only then)."""
    add_booking(client, "TOMO-RROW", "remote", _ten(1))
    token = signed_in(client, "aino")
    response = client.post("/staff/remote/open?lang=en", data={"csrf_token": token, "reference": "TOMO-RROW"})
    assert response.headers["location"].endswith("error=unknown_booking")
