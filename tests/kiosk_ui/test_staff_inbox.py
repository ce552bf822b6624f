"""The editors' inbox pages: editor and admin only, decisions with CSRF (one and bulk), the evaluation set."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest

from store.accounts import AccountStore
from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in
from tests.training.conftest import FakeTracker
from training.evalset import EvalSet
from training.inbox import Inbox, Prediction, Predictor, message_key


def closed_port() -> int:
    """A port nothing listens on: Rasa is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def client(tmp_path):
    """The app over a hand-built tracker store with three missed messages; Rasa is down."""
    tracker = FakeTracker(tmp_path / "tracker.db")
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    tracker.session("conv-secret-1", now)
    tracker.bot("conv-secret-1", "Hei! Kerro asiasi.", now)
    tracker.user("conv-secret-1", "Mistä saan tukea vuokraan", "nlu_fallback", 0.4, now + dt.timedelta(seconds=5))
    tracker.user("conv-secret-1", "hetu 131052-308T", "nlu_fallback", 0.4, now + dt.timedelta(minutes=10))
    tracker.session("conv-secret-2", now, channel="web")
    tracker.user("conv-secret-2", "hur gör jag", "nlu_fallback", 0.4, now, channel="web", slot_language="sv")
    settings = {"tracker_store_url": tracker.url, "rasa_url": f"http://127.0.0.1:{closed_port()}"}
    with make_staff_client(tmp_path, **settings) as client:
        accounts = AccountStore(client.app.state.db_engine)
        for name, role in (("aino", "advisor"), ("eero", "editor"), ("anna", "admin")):
            accounts.create(name, PASSWORD, role)
        yield client


def inbox_of(client) -> Inbox:
    settings = client.app.state.settings
    return Inbox(client.app.state.db_engine, settings.tracker_store_url, settings.inbox_retention_days)


def test_advisors_are_refused(client):
    signed_in(client, "aino")
    assert client.get("/staff/training").status_code == 403
    assert client.get("/staff/training/evaluation-set").status_code == 403


@pytest.mark.parametrize("username", ["eero", "anna"])
def test_editors_and_admins_see_the_inbox_without_personal_data(client, username):
    signed_in(client, username)
    page = client.get("/staff/training")
    assert page.status_code == 200
    html = page.text
    assert "Tarkistettavat viestit" in html and "Mistä saan tukea vuokraan" in html and "hur gör jag" in html
    assert "hetu &lt;ID_CODE&gt;" in html and "131052" not in html
    assert "conv-secret" not in html
    assert "Avustaja ei nyt vastaa" in html  # Rasa is down: said plainly, the page still works
    assert html.count('data-testid="inbox-entry"') == 3
    filtered = client.get("/staff/training", params={"language": "sv", "lang": "sv"}).text
    assert filtered.count('data-testid="inbox-entry"') == 1 and "Meddelanden att granska" in filtered
    assert client.get("/staff/training", params={"reason": "nonsense"}).status_code == 200
    assert client.get("/staff/training", params={"page": 0}).status_code == 422


def test_predictions_and_flags_are_shown(client, monkeypatch):
    def predict(self, texts):
        return {text: Prediction("greet", 0.95, (("thank", 0.02), ("goodbye", 0.01))) for text in texts}

    monkeypatch.setattr(Predictor, "predict", predict)
    signed_in(client, "eero")
    html = client.get("/staff/training").text
    assert "Avustaja ei nyt vastaa" not in html
    assert "95 % varma" in html and "Avustaja osaa jo" in html and ">greet<" in html
    assert 'value="confirm:' in html


def test_one_decision_with_csrf(client):
    token = signed_in(client, "eero")
    key = message_key("Mistä saan tukea vuokraan", "fi")
    data = {"csrf_token": token, "single": f"assign:{key}", f"intent_{key}": "greet"}
    assert client.post("/staff/training/inbox/decide", data={**data, "csrf_token": "x"}).status_code == 403
    response = client.post("/staff/training/inbox/decide", data=data)
    assert response.status_code == 303 and "decided=1" in response.headers["location"]
    assert key not in {e.key for e in inbox_of(client).entries()}
    page = client.get(response.headers["location"]).text
    assert "Käsitelty: 1." in page and "Mistä saan tukea vuokraan" not in page


def test_bulk_decisions_to_the_evaluation_set(client):
    token = signed_in(client, "eero")
    keys = [message_key("hetu <ID_CODE>", "fi"), message_key("hur gör jag", "sv")]
    data = {"csrf_token": token, "key": keys, "action": "assign", "intent": "greet", "destination": "eval"}
    response = client.post("/staff/training/inbox/decide", data=data)
    assert response.status_code == 303 and "decided=2" in response.headers["location"]
    items = EvalSet(client.app.state.db_engine).items()
    assert {(i.text, i.intent, i.language, i.added_by) for i in items} == {
        ("hetu <ID_CODE>", "greet", "fi", "eero"),
        ("hur gör jag", "greet", "sv", "eero"),
    }
    assert [e.text for e in inbox_of(client).entries()] == ["Mistä saan tukea vuokraan"]


def test_bulk_discard_and_refusals(client):
    token = signed_in(client, "anna")
    keys = [e.key for e in inbox_of(client).entries()]
    none = client.post("/staff/training/inbox/decide", data={"csrf_token": token, "action": "discard"})
    assert none.status_code == 400 and "Valitse ensin ainakin yksi viesti." in none.text
    bad_intent = {"csrf_token": token, "key": keys, "action": "assign", "intent": "made_up"}
    assert client.post("/staff/training/inbox/decide", data=bad_intent).status_code == 400
    bad_key = {"csrf_token": token, "key": ["../etc"], "action": "discard"}
    assert client.post("/staff/training/inbox/decide", data=bad_key).status_code == 400
    done = client.post("/staff/training/inbox/decide", data={"csrf_token": token, "key": keys, "action": "discard"})
    assert done.status_code == 303 and "decided=3" in done.headers["location"]
    assert inbox_of(client).entries() == [] and EvalSet(client.app.state.db_engine).items() == []
    assert "Ei tarkistettavia viestejä" in client.get("/staff/training").text


def test_the_evaluation_set_page_and_remove(client):
    evalset = EvalSet(client.app.state.db_engine)
    item = evalset.add("missä on poliisi", "greet", "fi", "eero")
    token = signed_in(client, "eero")
    page = client.get("/staff/training/evaluation-set")
    assert page.status_code == 200 and "missä on poliisi" in page.text and "Suomeksi 1" in page.text
    assert re.search(rf'action="/staff/training/evaluation-set/{item}/remove', page.text)
    path = f"/staff/training/evaluation-set/{item}/remove"
    assert client.post(path, data={}).status_code == 403
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 303 and evalset.items() == []
    assert "poistettiin" in client.get(response.headers["location"]).text
