"""POST /api/feedback: a rating and redacted text for a catalogue authority, counted once in the statistics,
once per conversation that had a matter, limited per client and per point."""

import json
import sqlite3

import pytest

from store.cases import CaseStore
from store.events import EventLog
from store.feedback import FeedbackStore
from tests.kiosk_ui.conftest import POINT, make_client, register_kiosk
from tests.kiosk_ui.test_live import new_case

# rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent: the columns feedback reads.
TRACKER_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def feedback_body(**overrides) -> dict:
    body = {
        "conversation_id": "conv-12345678",
        "point": POINT,
        "channel": "kiosk",
        "language": "sv",
        "authority": "kela",
        "rating": 4,
    }
    body.update(overrides)
    return body


def with_case(client, conversation_id: str = "conv-12345678") -> None:
    """The conversation was handed to the advisor: it had a matter."""
    new_case(CaseStore(engine=client.app.state.db_engine), conversation_id)


def bot_said(tmp_path, conversation_id: str, custom: dict | None) -> None:
    """One line of the assistant in the test's tracker store (as Rasa writes it), with a payload or not."""
    data = {"event": "bot", "text": "…", "data": {"custom": custom} if custom else {}, "metadata": {}}
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        connection.execute(TRACKER_SCHEMA)
        connection.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'bot', 0, ?)",
            (conversation_id, json.dumps(data)),
        )


def stored(client) -> tuple[list[dict], list[dict]]:
    engine = client.app.state.db_engine
    return FeedbackStore(engine).list_feedback(), EventLog(engine).list_events()


def test_feedback_is_stored_redacted_and_recorded_once(client, kiosk_device):
    with_case(client)
    text = "Bra hjälp! Min kod 010101-123N och nummer +358 40 123 4567"
    response = client.post("/api/feedback", json=feedback_body(text=text))
    assert response.status_code == 200 and response.json() == {"recorded": True}
    (row,) = FeedbackStore(client.app.state.db_engine).list_feedback(POINT)
    assert (row["rating"], row["authority"], row["channel"], row["language"]) == (4, "kela", "kiosk", "sv")
    assert row["conversation_id"] == "conv-12345678"
    assert "010101" not in row["text"] and "4567" not in row["text"] and row["text"].startswith("Bra hjälp!")
    (event,) = EventLog(client.app.state.db_engine).list_events(POINT)
    assert (event["event_type"], event["category"], event["authority"]) == ("feedback_recorded", "feedback", "kela")


def test_text_is_optional_and_cleaned(client, tmp_path):
    bot_said(tmp_path, "conv-12345678", {"type": "form", "code": "AT 1"})
    bot_said(tmp_path, "conv-other-1", {"type": "life_situation", "code": "KE8"})
    assert client.post("/api/feedback", json=feedback_body(rating=5, channel="web")).status_code == 200
    assert (
        client.post(
            "/api/feedback", json=feedback_body(conversation_id="conv-other-1", rating=1, text="\x00  \n ")
        ).status_code
        == 200
    )
    rows = FeedbackStore(client.app.state.db_engine).list_feedback()
    # Without a device cookie a body's "kiosk" is a web client's claim.
    assert [(r["rating"], r["text"], r["channel"]) for r in rows] == [(5, None, "web"), (1, None, "web")]


@pytest.mark.parametrize(
    "change",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": "five"},
        {"rating": None},
        {"authority": "nasa"},
        {"authority": "ely"},
        {"authority": "Kela!"},
        {"point": "elsewhere"},
        {"text": "x" * 501},
        {"channel": "sms"},
        {"language": "de"},
        {"conversation_id": "short"},
    ],
)
def test_bad_feedback_is_422_and_not_stored(client, change):
    with_case(client)
    assert client.post("/api/feedback", json=feedback_body(**change)).status_code == 422
    assert stored(client) == ([], [])


def test_feedback_is_rate_limited_per_client_and_refuses_foreign_origins(tmp_path, rasa):
    with make_client(
        tmp_path, rasa, feedback_rate_limit_client="2/minute", allowed_origins=["https://www.esimerkkikunta.fi"]
    ) as client:
        for i in range(3):
            with_case(client, f"conv-{i:08d}")
        assert (
            client.post("/api/feedback", json=feedback_body(), headers={"Origin": "https://evil.example"}).status_code
            == 403
        )
        codes = [
            client.post("/api/feedback", json=feedback_body(conversation_id=f"conv-{i:08d}")).status_code
            for i in range(3)
        ]
        assert codes == [200, 200, 429]
        assert len(FeedbackStore(client.app.state.db_engine).list_feedback()) == 2


def test_feedback_is_limited_per_point(tmp_path, rasa):
    with make_client(
        tmp_path, rasa, feedback_rate_limit_point="2/hour", feedback_rate_limit_client="100/minute"
    ) as client:
        codes = []
        for i in range(3):
            with_case(client, f"conv-{i:08d}")
            codes.append(client.post("/api/feedback", json=feedback_body(conversation_id=f"conv-{i:08d}")).status_code)
        assert codes == [200, 200, 429]


@pytest.mark.parametrize("lang, words", [("fi", "Kiitos"), ("sv", "Tack"), ("en", "Thank you")])
def test_one_conversation_gives_feedback_once(client, kiosk_device, lang, words):
    """Regression (issue 12): the same conversation posting again added a row to the statistics each time."""
    with_case(client)
    first = client.post("/api/feedback", json=feedback_body(language=lang))
    again = client.post("/api/feedback", json=feedback_body(language=lang, rating=1, authority="tax"))
    assert first.status_code == 200
    assert again.status_code == 409 and again.json()["reason"] == "already_rated"
    assert again.json()["message"].startswith(words)
    rows, events = stored(client)
    assert len(rows) == 1 and len(events) == 1


@pytest.mark.parametrize(
    "custom",
    [None, {"type": "feedback_request", "authority": "kela"}, {"type": "language", "language": "en"}],
)
def test_a_conversation_without_a_matter_adds_nothing_to_the_statistics(client, kiosk_device, tmp_path, custom):
    """Regression (issue 12): anonymous feedback posts for made-up conversations were counted as service events."""
    if custom is not None:
        bot_said(tmp_path, "conv-12345678", custom)
    response = client.post("/api/feedback", json=feedback_body())
    assert response.status_code == 409 and response.json()["reason"] == "no_matter"
    assert response.json()["message"].startswith("Du kan ge respons")
    assert stored(client) == ([], [])


@pytest.mark.parametrize(
    "custom",
    [
        {"type": "form", "code": "AT 1"},
        {"type": "life_situation", "code": "KE8"},
        {"type": "booking", "reference": "ABCD-2345"},
        {"type": "handoff", "ticket": "A001"},
    ],
)
def test_a_matter_the_assistant_showed_in_the_tracker_store_counts(client, tmp_path, custom):
    bot_said(tmp_path, "someone-else-1", {"type": "form", "code": "AT 1"})
    bot_said(tmp_path, "conv-12345678", custom)
    assert client.post("/api/feedback", json=feedback_body()).status_code == 200
    assert client.post("/api/feedback", json=feedback_body(conversation_id="unrelated-1")).status_code == 409


def test_the_kiosks_point_and_channel_come_from_its_device(tmp_path, rasa):
    with make_client(tmp_path, rasa) as client:
        with_case(client)
        register_kiosk(client)
        assert client.post("/api/feedback", json=feedback_body(channel="web")).status_code == 200
        (row,) = FeedbackStore(client.app.state.db_engine).list_feedback()
        assert (row["channel"], row["point_id"]) == ("kiosk", POINT)
