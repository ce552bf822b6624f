"""POST /api/feedback: a rating and redacted text for a catalogue authority, counted once in the statistics."""

import pytest

from store.events import EventLog
from store.feedback import FeedbackStore
from tests.kiosk_ui.conftest import POINT, make_client


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


def test_feedback_is_stored_redacted_and_recorded_once(client):
    text = "Bra hjälp! Min kod 010101-123N och nummer +358 40 123 4567"
    response = client.post("/api/feedback", json=feedback_body(text=text))
    assert response.status_code == 200 and response.json() == {"recorded": True}
    (row,) = FeedbackStore(client.app.state.db_engine).list_feedback(POINT)
    assert (row["rating"], row["authority"], row["channel"], row["language"]) == (4, "kela", "kiosk", "sv")
    assert "010101" not in row["text"] and "4567" not in row["text"] and row["text"].startswith("Bra hjälp!")
    (event,) = EventLog(client.app.state.db_engine).list_events(POINT)
    assert (event["event_type"], event["category"], event["authority"]) == ("feedback_recorded", "feedback", "kela")


def test_text_is_optional_and_cleaned(client):
    assert client.post("/api/feedback", json=feedback_body(rating=5, channel="web")).status_code == 200
    assert (
        client.post(
            "/api/feedback", json=feedback_body(conversation_id="conv-other-1", rating=1, text="\x00  \n ")
        ).status_code
        == 200
    )
    rows = FeedbackStore(client.app.state.db_engine).list_feedback()
    assert [(r["rating"], r["text"], r["channel"]) for r in rows] == [(5, None, "web"), (1, None, "kiosk")]


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
    assert client.post("/api/feedback", json=feedback_body(**change)).status_code == 422
    assert FeedbackStore(client.app.state.db_engine).list_feedback() == []
    assert EventLog(client.app.state.db_engine).list_events() == []


def test_feedback_is_rate_limited_and_refuses_foreign_origins(tmp_path, rasa):
    with make_client(
        tmp_path, rasa, handoff_rate_limit_client="2/minute", allowed_origins=["https://www.esimerkkikunta.fi"]
    ) as client:
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


def test_one_conversation_cannot_stuff_the_statistics(client):
    codes = [client.post("/api/feedback", json=feedback_body()).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
