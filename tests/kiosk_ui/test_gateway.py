"""POST /api/chat and /api/handoff: metadata to Rasa, input limits, rate limits, failure, CORS."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.cases import CaseStore
from store.models import HandoffCase
from tests.kiosk_ui.conftest import POINT, chat_body, make_client, register_kiosk


def test_message_goes_to_rasas_rest_channel_with_the_points_metadata(client, rasa, kiosk_device):
    rasa.reply = [
        {"recipient_id": "conv-12345678", "text": "Hej!", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "conv-12345678", "custom": {"type": "handoff", "ticket": "A001"}},
    ]
    response = client.post("/api/chat", json=chat_body(message="hej", language="sv", ui_language="sv"))
    assert response.status_code == 200
    assert response.json() == {"messages": rasa.reply, "degraded": False, "echo": "hej", "taken_over": False}
    (sent,) = rasa.requests
    assert sent["url"] == "http://rasa.test:5005/webhooks/rest/webhook"
    assert sent["body"] == {
        "sender": "conv-12345678",
        "message": "hej",
        "metadata": {"channel": "kiosk", "point": POINT, "language": "sv", "page_language": "sv"},
    }


def test_language_is_sent_only_when_chosen_and_the_screens_language_as_page_language(client, rasa):
    client.post("/api/chat", json=chat_body(channel="web", ui_language="en"))
    assert rasa.requests[0]["body"]["metadata"] == {"channel": "web", "point": POINT, "page_language": "en"}
    client.post("/api/chat", json=chat_body(channel="web"))
    assert rasa.requests[1]["body"]["metadata"] == {"channel": "web", "point": POINT}


def test_control_characters_are_stripped_and_whitespace_folded(client, rasa):
    response = client.post("/api/chat", json=chat_body(message="\x00 Hei\x07\nmaailma\t\u202e!\x1b "))
    assert response.status_code == 200
    assert rasa.requests[0]["body"]["message"] == "Hei maailma !"


def test_echo_hides_identity_codes_and_phone_numbers_but_rasa_gets_the_text(client, rasa):
    message = "hetu 131052-308T ja puhelin 040 123 4567"
    echo = client.post("/api/chat", json=chat_body(message=message)).json()["echo"]
    assert "131052" not in echo and "4567" not in echo
    assert "<ID_CODE>" in echo and "<PHONE_NUMBER>" in echo
    # The REST channel redacts (and keeps the phone number for a booking): it needs the original.
    assert rasa.requests[0]["body"]["message"] == message


@pytest.mark.parametrize(
    "change",
    [
        {"message": ""},
        {"message": " \x00\n\t "},
        {"message": "x" * 501},
        {"message": 5},
        {"conversation_id": "short"},
        {"conversation_id": "has space 123"},
        {"conversation_id": "x" * 65},
        {"channel": "sms"},
        {"point": "Not A Point"},
        {"point": "other-point"},
        {"language": "de"},
        {"ui_language": "se"},
    ],
)
def test_bad_input_is_422_and_never_reaches_rasa(client, rasa, change):
    assert client.post("/api/chat", json=chat_body(**change)).status_code == 422
    assert rasa.requests == []


def test_500_characters_is_the_limit_after_cleaning(client, rasa):
    assert client.post("/api/chat", json=chat_body(message="a" * 500)).status_code == 200
    assert client.post("/api/chat", json=chat_body(message="\x01" * 20 + "a" * 500)).status_code == 200


def test_rate_limit_per_conversation_answers_429_with_retry_after(tmp_path, rasa):
    with make_client(tmp_path, rasa, chat_rate_limit_conversation="3/minute") as client:
        codes = [client.post("/api/chat", json=chat_body()).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.post("/api/chat", json=chat_body())
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
        # Another conversation from the same client still gets through.
        assert client.post("/api/chat", json=chat_body(conversation_id="other-12345")).status_code == 200
    assert len(rasa.requests) == 4


def test_rate_limit_per_client(tmp_path, rasa):
    with make_client(tmp_path, rasa, chat_rate_limit_client="2/minute") as client:
        codes = [
            client.post("/api/chat", json=chat_body(conversation_id=f"conv-{i:08d}")).status_code for i in range(3)
        ]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize(
    "lang, words",
    [("fi", "Avustaja ei vastaa"), ("sv", "Assistenten svarar inte"), ("en", "The assistant is not answering")],
)
def test_rasa_down_gives_a_plain_message_in_the_screens_language(client, rasa, lang, words):
    rasa.down = True
    response = client.post("/api/chat", json=chat_body(ui_language=lang))
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True
    (message,) = body["messages"]
    assert message["custom"] == {"type": "unavailable"} and message["text"].startswith(words)


def test_a_chosen_language_wins_for_the_degraded_message_and_web_gets_no_advisor_promise(client, rasa, kiosk_device):
    rasa.down = True
    kiosk = client.post("/api/chat", json=chat_body(language="sv", ui_language="fi")).json()
    client.cookies.clear()  # a browser without the device cookie is a web customer
    web = client.post("/api/chat", json=chat_body(channel="web", ui_language="en")).json()
    assert "Servicerådgivaren" in kiosk["messages"][0]["text"]
    assert "advisor" not in web["messages"][0]["text"]


@pytest.mark.parametrize("reply", [[], {"error": "x"}, ["text"]])
def test_an_empty_or_odd_rasa_reply_counts_as_down(client, rasa, reply):
    # Rasa answers [] when a custom action fails because the action server is down.
    rasa.reply = reply
    assert client.post("/api/chat", json=chat_body()).json()["degraded"] is True


def test_rasa_error_status_counts_as_down(client, rasa):
    rasa.status = 500
    assert client.post("/api/chat", json=chat_body()).json()["degraded"] is True


def test_handoff_creates_a_case_with_the_next_ticket(client, kiosk_device):
    body = {"conversation_id": "conv-12345678", "point": POINT, "language": "sv", "channel": "kiosk"}
    first = client.post("/api/handoff", json=body)
    second = client.post("/api/handoff", json={**body, "reason": "paper_form", "form": "AT 1r"})
    assert first.status_code == 200 and first.json() == {"ticket": "A001"}
    assert second.json() == {"ticket": "A002"}
    with Session(client.app.state.db_engine) as session:
        cases = session.execute(select(HandoffCase).order_by(HandoffCase.id)).scalars().all()
    assert [(c.point_id, c.language, c.channel, c.reason, c.forms) for c in cases] == [
        (POINT, "sv", "kiosk", "assistant_unavailable", []),
        (POINT, "sv", "kiosk", "paper_form", ["AT 1"]),
    ]


def test_handoff_checks_its_input_and_is_rate_limited(tmp_path, rasa):
    body = {"conversation_id": "conv-12345678", "point": POINT}
    with make_client(tmp_path, rasa, handoff_rate_limit_client="2/minute") as client:
        register_kiosk(client)
        assert client.post("/api/handoff", json={**body, "point": "elsewhere"}).status_code == 422
        assert client.post("/api/handoff", json={**body, "reason": "free text"}).status_code == 422
        codes = [client.post("/api/handoff", json=body).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_cors_lets_the_municipalitys_site_in_and_keeps_others_out(client, rasa):
    allowed, other = "https://www.esimerkkikunta.fi", "https://evil.example"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/api/chat", headers={"Origin": allowed, **preflight})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == allowed
    denied = client.options("/api/chat", headers={"Origin": other, **preflight})
    assert denied.status_code == 400 and "access-control-allow-origin" not in denied.headers
    assert client.post("/api/chat", json=chat_body(), headers={"Origin": allowed}).status_code == 200
    # A request the browser did not preflight is refused too, before Rasa hears of it.
    assert client.post("/api/chat", json=chat_body(), headers={"Origin": other}).status_code == 403
    assert (
        client.post(
            "/api/handoff", json={"conversation_id": "conv-12345678", "point": POINT}, headers={"Origin": other}
        ).status_code
        == 403
    )
    assert len(rasa.requests) == 1


def test_same_origin_pages_need_no_cors_entry(client):
    assert client.post("/api/chat", json=chat_body(), headers={"Origin": "http://testserver"}).status_code == 200


def test_api_answers_are_not_cached_and_documented(client):
    response = client.post("/api/chat", json=chat_body())
    assert response.headers["cache-control"] == "no-store"
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/chat", "/api/handoff"} <= set(paths)
    assert "429" in paths["/api/chat"]["post"]["responses"]


def _taken_over_case(client, conversation_id="conv-12345678") -> tuple[CaseStore, dict]:
    cases = CaseStore(engine=client.app.state.db_engine)
    case = cases.create_case(
        point_id=POINT,
        conversation_id=conversation_id,
        language="fi",
        channel="kiosk",
        reason="customer_request",
        services=[],
        forms=[],
        intents=[],
        summary="",
    )
    cases.take_over(case["id"], "advisor1")
    return cases, case


def test_during_a_takeover_the_message_goes_to_the_advisor_redacted(client, rasa):
    cases, case = _taken_over_case(client)
    rasa.reply = []  # the paused conversation: Rasa answers nothing
    message = "Hetuni on 010101-123N ja numero 040 123 4567"
    response = client.post("/api/chat", json=chat_body(message=message))
    assert response.status_code == 200
    body = response.json()
    assert body["messages"] == [] and body["taken_over"] is True and body["degraded"] is False
    assert "010101" not in body["echo"] and "4567" not in body["echo"]
    (line,) = [c for c in cases.changes_after(0, case_id=case["id"]) if c["kind"] == "message"]
    assert line["actor"] == "customer" and line["text"] == body["echo"]
    assert "010101-123N" not in line["text"] and "040 123 4567" not in line["text"]
    assert "<ID_CODE>" in line["text"] and "<PHONE_NUMBER>" in line["text"]
    # Rasa's tracker still hears it (its channel redacts).
    assert rasa.requests[0]["body"]["sender"] == "conv-12345678"


def test_takeover_message_is_kept_even_when_rasa_is_down(client, rasa):
    cases, case = _taken_over_case(client)
    rasa.down = True
    body = client.post("/api/chat", json=chat_body(message="Oletko siellä?")).json()
    assert body == {"messages": [], "degraded": False, "echo": "Oletko siellä?", "taken_over": True}
    assert [c["text"] for c in cases.changes_after(0, case_id=case["id"]) if c["kind"] == "message"] == [
        "Oletko siellä?"
    ]


def test_after_hand_back_the_assistant_answers_and_empty_counts_as_down_again(client, rasa):
    cases, case = _taken_over_case(client)
    cases.hand_back(case["id"], "advisor1")
    body = client.post("/api/chat", json=chat_body()).json()
    assert body["taken_over"] is False and body["messages"] == rasa.reply
    rasa.reply = []
    assert client.post("/api/chat", json=chat_body()).json()["degraded"] is True
    assert not [c for c in cases.changes_after(0, case_id=case["id"]) if c["kind"] == "message"]


def test_another_conversations_takeover_does_not_matter(client, rasa):
    _taken_over_case(client, conversation_id="someone-else-1")
    assert client.post("/api/chat", json=chat_body()).json()["messages"] == rasa.reply
