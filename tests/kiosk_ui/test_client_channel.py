"""Only a registered kiosk is a kiosk (issue 12): /api/chat, /api/handoff and /api/feedback take the channel
and the point from the device cookie, never from the body; web handoffs follow the web rule; the queue has a limit."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_ui.views import public
from store.cases import CaseStore
from store.devices import DeviceStore
from store.models import HandoffCase
from tests.kiosk_ui.conftest import POINT, chat_body, make_client, register_kiosk

HANDOFF = {"conversation_id": "conv-12345678", "point": POINT, "language": "en", "channel": "kiosk"}


def cases_of(client) -> list[HandoffCase]:
    with Session(client.app.state.db_engine) as session:
        return list(session.execute(select(HandoffCase).order_by(HandoffCase.id)).scalars())


@pytest.fixture
def point_open(monkeypatch):
    """The point's hours say open (the test must not depend on when it runs); returns a switch."""
    state = {"open": True}
    monkeypatch.setattr(public, "point_is_open", lambda cat, now=None: state["open"])
    return state


def test_a_body_claiming_kiosk_without_the_cookie_is_answered_as_web(client, rasa):
    """Regression (issue 12): `channel: "kiosk"` in the body made any web client a kiosk."""
    response = client.post("/api/chat", json=chat_body(channel="kiosk"))
    assert response.status_code == 200
    assert rasa.requests[0]["body"]["metadata"]["channel"] == "web"
    rasa.down = True
    degraded = client.post("/api/chat", json=chat_body(channel="kiosk", ui_language="en")).json()
    assert "advisor" not in degraded["messages"][0]["text"]  # the web's message: no advisor promised


def test_a_registered_kiosk_is_a_kiosk_whatever_the_body_says(client, rasa, kiosk_device):
    client.post("/api/chat", json=chat_body(channel="web"))
    assert rasa.requests[0]["body"]["metadata"]["channel"] == "kiosk"
    assert rasa.requests[0]["body"]["metadata"]["point"] == POINT


def test_a_revoked_or_unknown_device_is_web(client, rasa):
    secret = register_kiosk(client)
    (device,) = DeviceStore(client.app.state.db_engine).list()
    DeviceStore(client.app.state.db_engine).revoke(device["id"], "anna")
    client.post("/api/chat", json=chat_body())
    client.cookies.set("kiosk_device", secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    client.post("/api/chat", json=chat_body())
    assert [r["body"]["metadata"]["channel"] for r in rasa.requests] == ["web", "web"]


@pytest.mark.parametrize("lang, words", [("fi", "Asiointipiste on nyt kiinni"), ("en", "The service point is closed")])
def test_a_forged_kiosk_handoff_follows_the_web_rule_when_closed(client, point_open, lang, words):
    """Regression (issue 12): a forged kiosk handoff skipped "closed / nobody on duty" and queued a case."""
    point_open["open"] = False
    response = client.post("/api/handoff", json={**HANDOFF, "language": lang})
    assert response.status_code == 409
    assert response.json()["reason"] == "closed" and response.json()["message"].startswith(words)
    assert cases_of(client) == []


def test_a_web_handoff_needs_an_advisor_on_duty(client, point_open):
    response = client.post("/api/handoff", json=HANDOFF)
    assert response.status_code == 409 and response.json()["reason"] == "no_advisor"
    assert cases_of(client) == []
    CaseStore(engine=client.app.state.db_engine).mark_present("aino", POINT)
    response = client.post("/api/handoff", json=HANDOFF)
    assert response.status_code == 200
    (case,) = cases_of(client)
    assert (case.channel, case.point_id) == ("web", POINT)


def test_a_registered_kiosk_hands_over_even_when_closed(client, point_open, kiosk_device):
    point_open["open"] = False
    assert client.post("/api/handoff", json={**HANDOFF, "channel": "web"}).status_code == 200
    (case,) = cases_of(client)
    assert case.channel == "kiosk"


def test_a_handoff_flood_stops_at_the_queue_limit_in_the_customers_language(tmp_path, rasa):
    """Regression (issue 12): cases went into the advisors' queue far above any limit."""
    with make_client(tmp_path, rasa, handoff_queue_limit=3, handoff_rate_limit_client="100/minute") as client:
        register_kiosk(client)
        codes = [
            client.post("/api/handoff", json={**HANDOFF, "conversation_id": f"conv-{i:08d}", "language": "sv"})
            for i in range(5)
        ]
        assert [c.status_code for c in codes] == [200, 200, 200, 429, 429]
        full = codes[-1]
        assert full.json()["reason"] == "queue_full" and full.json()["message"].startswith("Många kunder väntar")
        assert int(full.headers["Retry-After"]) > 0
        assert len(cases_of(client)) == 3
        # A claimed case no longer waits: the next customer gets a number.
        cases = CaseStore(engine=client.app.state.db_engine)
        cases.claim(cases_of(client)[0].id, "aino")
        assert client.post("/api/handoff", json={**HANDOFF, "conversation_id": "conv-next-001"}).status_code == 200


def test_handoffs_are_limited_per_client(tmp_path, rasa):
    with make_client(tmp_path, rasa, handoff_rate_limit_client="2/minute") as client:
        register_kiosk(client)
        codes = [client.post("/api/handoff", json=HANDOFF).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_points_hours_decide_whether_it_is_open(client):
    cat = client.app.state.catalogue
    helsinki = dt.timezone(dt.timedelta(hours=2))
    # A Sunday night is closed at every point; a public holiday (1 January) too, whatever the hours say.
    assert public.point_is_open(cat, dt.datetime(2026, 11, 22, 3, 0, tzinfo=helsinki)) is False
    assert public.point_is_open(cat, dt.datetime(2026, 1, 1, 12, 0, tzinfo=helsinki)) is False
    weekly = cat.point["hours"]
    assert any(public.point_is_open(cat, dt.datetime(2026, 11, 24, h, 0, tzinfo=helsinki)) for h in range(24)), weekly
