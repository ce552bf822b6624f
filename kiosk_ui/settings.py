"""Settings from the environment, validated when the app starts."""
from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the other parts run, and the app's own database."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    rasa_url: AnyHttpUrl = Field("http://localhost:5005", description="Rasa server")
    action_server_url: AnyHttpUrl = Field("http://localhost:5055", description="Rasa action server")
    app_database_url: str = Field("sqlite:///var/app.db", description="cases and bookings (SQLAlchemy URL)")
    rasa_token: SecretStr | None = Field(None, description="token of Rasa's HTTP API")
    status_timeout_seconds: float = Field(2.0, gt=0, le=30)
