"""The kiosk page: tiles from the catalogue in each language, <html lang>, privacy settings."""

import json
import re
from html import unescape

import pytest

from store.devices import DeviceStore
from tests.kiosk_ui.conftest import POINT, chat_body, make_client


def kiosk_config(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/json" id="kiosk-config">(.*?)</script>', html, re.S).group(1)
    )


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_kiosk_renders_every_life_situation_as_a_tile_in_the_language(client, lang):
    page = client.get(f"/kiosk?point=example-point&lang={lang}")
    assert page.status_code == 200
    html = page.text
    assert f'<html lang="{lang}"' in html
    catalogue = client.app.state.catalogue
    for code, situation in catalogue.life_situations.items():
        tile = re.search(rf'data-testid="life-tile" data-code="{re.escape(code)}"\s+data-intent="(\w+)"', html)
        assert tile and tile.group(1) == situation["intent"]
        assert situation["name"][lang] in html
    assert catalogue.point["name"][lang] in html
    texts = client.app.state.texts
    assert texts.text(lang, "kiosk.start_heading") in html
    assert texts.text(lang, "kiosk.call_advisor") in html
    for testid in (
        "start-screen",
        "privacy-notice",
        "call-advisor",
        "chat",
        "chat-input",
        "chat-send",
        "handoff-screen",
        "ticket-number",
        "queue-ahead",
        "idle-prompt",
        "idle-continue",
        "lang-fi",
        "lang-sv",
        "lang-en",
    ):
        assert html.count(f'data-testid="{testid}"') == 1, testid
    assert f'data-testid="lang-{lang}" data-lang="{lang}" lang="{lang}"\n            aria-pressed="true"' in html


def test_kiosk_config_carries_all_three_languages_for_switching(client):
    config = kiosk_config(client.get("/kiosk").text)
    assert set(config["texts"]) == {"fi", "sv", "en"}
    assert config["tiles"]["KE4.2"]["sv"] == "Att flytta inom Finland"
    assert config["point"] == "example-point" and config["lang"] == "fi"
    assert (config["idleSeconds"], config["wipeSeconds"]) == (90, 30)


def test_test_timeouts_only_when_the_operator_allows_them(tmp_path, rasa):
    with make_client(tmp_path, rasa) as client:
        config = kiosk_config(client.get("/kiosk?idle=3&wipe=2").text)
        assert (config["idleSeconds"], config["wipeSeconds"]) == (90, 30)
    with make_client(tmp_path, rasa, kiosk_allow_test_timeouts=True, kiosk_idle_seconds=60) as client:
        assert (kiosk_config(client.get("/kiosk?idle=3&wipe=2").text)["idleSeconds"]) == 3
        assert kiosk_config(client.get("/kiosk").text)["idleSeconds"] == 60


def test_kiosk_is_never_cached_and_loads_nothing_from_elsewhere(client):
    page = client.get("/kiosk")
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "http://" not in page.text.replace("http://www.w3.org", "") and "https://" not in page.text


def test_unknown_point_or_language_is_refused(client):
    assert client.get("/kiosk?point=nowhere").status_code == 404
    assert client.get("/kiosk?lang=de").status_code == 422


def test_kiosk_assets_are_served(client):
    for path, kind in (
        ("/static/kiosk.js", "javascript"),
        ("/static/kiosk.css", "text/css"),
        ("/static/icons.svg", "image/svg+xml"),
    ):
        response = client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"], path


def test_every_tile_icon_is_drawn(client):
    from kiosk_ui.tiles import TILE_ICONS

    sprite = client.get("/static/icons.svg").text
    assert all(f'id="{name}"' in sprite for name in TILE_ICONS.values())


def test_kiosk_script_follows_the_case_and_asks_for_feedback(client):
    config = kiosk_config(client.get("/kiosk").text)
    feedback = config["feedback"]
    assert feedback["authorities"]["kela"]["sv"] == "FPA" and feedback["defaultAuthority"] in feedback["authorities"]
    assert feedback["maxChars"] == 500
    for key in ("queue_next", "queue_ahead", "advisor_joined", "assistant_back", "feedback_rating_value"):
        assert key in config["texts"]["fi"]["chat"], key
    page = client.get("/kiosk").text
    # The kiosk is the chat core (shared with the widget) plus its own screens; the core comes first.
    assert page.index('src="/static/case-feed.js"') < page.index('src="/static/chat-core.js"')
    assert page.index('src="/static/chat-core.js"') < page.index('src="/static/kiosk.js"')
    script = client.get("/static/chat-core.js").text + client.get("/static/kiosk.js").text
    for needle in ('"advisor-message"', '"feedback-rating"', "/api/live/", "/api/feedback", "closeFeed()"):
        assert needle in script, needle


def test_enrolment_asks_then_stores_the_device_cookie_and_the_kiosk_is_a_kiosk(tmp_path, rasa):
    with make_client(tmp_path, rasa, staff_cookie_secure=False) as client:
        _, secret = DeviceStore(client.app.state.db_engine).register(POINT, "Aula", "anna")
        page = client.get(f"/kiosk/enrol?token={secret}&lang=sv")
        assert (
            page.status_code == 200 and '"Aula"' in unescape(page.text) and "Ta den här webbläsaren i bruk" in page.text
        )
        assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
        assert not client.cookies  # opening the link stores nothing
        done = client.post("/kiosk/enrol?lang=sv", data={"token": secret}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/kiosk?lang=sv"
        cookie = done.headers["set-cookie"]
        assert cookie.startswith(f"kiosk_device={secret};")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # STAFF_COOKIE_SECURE=false, plain http on localhost
        assert f"Max-Age={365 * 24 * 3600}" in cookie
        client.post("/api/chat", json=chat_body(channel="web"))
        assert rasa.requests[0]["body"]["metadata"]["channel"] == "kiosk"


def test_the_device_cookie_is_secure_by_default(client):
    _, secret = DeviceStore(client.app.state.db_engine).register(POINT, "Aula", "anna")
    done = client.post("/kiosk/enrol", data={"token": secret}, follow_redirects=False)
    assert "Secure" in done.headers["set-cookie"]


@pytest.mark.parametrize("token", ["not-a-device", "x" * 128])
def test_a_wrong_or_revoked_enrolment_link_enrols_nothing(client, token):
    devices = DeviceStore(client.app.state.db_engine)
    device, secret = devices.register(POINT, "Aula", "anna")
    devices.revoke(device["id"], "anna")
    for wrong in (token, secret):
        page = client.get(f"/kiosk/enrol?token={wrong}&lang=en")
        assert page.status_code == 404 and "The link does not work" in page.text
        done = client.post("/kiosk/enrol", data={"token": wrong}, follow_redirects=False)
        assert done.status_code == 404 and "set-cookie" not in done.headers
    assert client.get("/kiosk/enrol?token=" + "x" * 129).status_code == 422
    assert client.get("/kiosk/enrol").status_code == 422


def test_another_site_cannot_enrol_a_browser(client):
    _, secret = DeviceStore(client.app.state.db_engine).register(POINT, "Aula", "anna")
    done = client.post(
        "/kiosk/enrol", data={"token": secret}, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert done.status_code == 403 and "set-cookie" not in done.headers
