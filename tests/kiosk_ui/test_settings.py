"""Settings of the public surfaces are checked when the app starts."""

import pytest


def test_allowed_origins_come_from_the_environment_as_json_or_a_comma_list(monkeypatch):
    from pydantic import ValidationError

    from kiosk_ui.settings import Settings

    monkeypatch.setenv("ALLOWED_ORIGINS", '["https://www.esimerkkikunta.fi", "http://localhost:8080"]')
    assert Settings().allowed_origins == ["https://www.esimerkkikunta.fi", "http://localhost:8080"]
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://A.example, https://b.example")
    assert Settings().allowed_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://a.example/path")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("ALLOWED_ORIGINS")
    with pytest.raises(ValidationError):
        Settings(chat_rate_limit_client="lots")
    with pytest.raises(ValidationError):
        Settings(kiosk_idle_seconds=0)
