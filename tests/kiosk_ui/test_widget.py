"""The website widget's script and its demo page."""

import json
import re


def test_widget_js_is_javascript_with_its_texts_built_in(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    body = response.text
    config = json.loads(re.search(r"\}\)\((\{.*\}), \"", body, re.S).group(1))
    assert set(config["texts"]) == {"fi", "sv", "en"} and config["point"] == "example-point"
    assert config["texts"]["sv"]["widget"]["clear"] == "Töm samtalet"
    for testid in (
        "widget-open",
        "widget-panel",
        "widget-input",
        "widget-send",
        "widget-clear",
        "form-link",
        "booking-ics",
        "widget-queue",
        "widget-advisor-message",
        "widget-feedback-rating",
    ):
        assert f'"{testid}"' in body, testid
    assert "attachShadow" in body and "sessionStorage" in body


def test_widget_js_cannot_be_broken_out_of_by_catalogue_text(client):
    # tojson escapes <, > and & so no text in the config can end a script or start markup.
    assert "</script" not in client.get("/widget.js").text.lower()


def test_demo_page_embeds_the_widget(client):
    page = client.get("/widget/demo?lang=sv")
    assert page.status_code == 200 and '<html lang="sv">' in page.text
    assert '<script src="/widget.js" data-point="example-point" data-lang="sv"' in page.text


def test_widget_follows_the_case_across_page_loads_and_asks_for_feedback(client):
    body = client.get("/widget.js").text
    config = json.loads(re.search(r"\}\)\((\{.*\}), \"", body, re.S).group(1))
    assert config["feedback"]["authorities"]["tax"]["fi"] and config["texts"]["en"]["widget"]["queue_waiting"]
    assert "/api/live/" in body and "?after=" in body and "/api/feedback" in body
