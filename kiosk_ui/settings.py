"""Settings from the environment, validated when the app starts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import limits
from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from store.cases import DEFAULT_QUEUE_LIMIT


class Settings(BaseSettings):
    """Where the other parts run, the app's own database, and the limits of the public surfaces."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    rasa_url: AnyHttpUrl = Field(AnyHttpUrl("http://localhost:5005"), description="Rasa server")
    action_server_url: AnyHttpUrl = Field(AnyHttpUrl("http://localhost:5055"), description="Rasa action server")
    app_database_url: str = Field("sqlite:///var/app.db", description="cases and bookings (SQLAlchemy URL)")
    rasa_token: SecretStr | None = Field(None, description="token of Rasa's HTTP API")
    status_timeout_seconds: float = Field(2.0, gt=0, le=30)

    # The chat gateway (POST /api/chat) in front of Rasa's REST channel.
    rasa_timeout_seconds: float = Field(20.0, gt=0, le=120, description="wait for Rasa's reply")
    chat_rate_limit_client: str = Field("60/minute", description="messages per client address")
    chat_rate_limit_conversation: str = Field("30/minute", description="messages per conversation")
    handoff_rate_limit_client: str = Field("10/minute", description="direct handoffs per client address")
    # Where the rate limits count: this process ("memory://"), or Redis shared by several web workers
    # ("redis://:password@127.0.0.1:6380/1", the scaled profile). Secret: the URL may carry a password.
    rate_limit_storage_url: SecretStr = Field(SecretStr("memory://"), description="limits' storage URI")
    # Sites that may embed the widget, e.g. ["https://www.esimerkkikunta.fi"]; JSON or comma-separated.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Kiosk privacy: ask after `idle` seconds without a touch, wipe `wipe` seconds later.
    kiosk_idle_seconds: int = Field(90, ge=1, le=3600)
    kiosk_wipe_seconds: int = Field(30, ge=1, le=600)
    # Lets /kiosk?idle=3&wipe=2 shorten both for browser tests; never on in a real lobby.
    kiosk_allow_test_timeouts: bool = False

    # Staff pages (/staff): session length, the cookie's Secure flag (false only for http on
    # localhost, set so by scripts/run.sh); failed logins: see "Staff login throttling" below.
    staff_session_hours: float = Field(8.0, gt=0, le=24)
    staff_cookie_secure: bool = True
    # The dashboard's live feed (/staff/events): how often it looks for new changes in the database
    # (the action server writes cases from another process) and how often it says it is still there.
    staff_events_poll_seconds: float = Field(0.2, gt=0, le=5)
    staff_events_heartbeat_seconds: float = Field(15.0, gt=0, le=60)
    # A takeover waits this long for Rasa to accept the pause or resume before it fails visibly.
    rasa_control_timeout_seconds: float = Field(5.0, gt=0, le=60)

    # The editors' training workspace (/staff/training).
    # Inbox entries (customers' messages, redacted) are kept this long, then deleted.
    inbox_retention_days: int = Field(90, ge=1, le=365)
    # A candidate model that scores this many points (of 100) below the active one, on the real messages
    # or in any language, is a regression: activating it needs an admin and a written reason.
    regression_margin_points: float = Field(1.0, ge=0, le=100)
    # Rasa's tracker store, read by the inbox (the same database Rasa writes; SQLAlchemy URL).
    tracker_store_url: str = Field("sqlite:///var/tracker.db", description="Rasa's SQL tracker store")
    # Trained models of the bank (git-ignored, like every model).
    model_bank_dir: Path = Field(Path("var/models"), description="where the bank keeps model files")
    # Every Rasa instance whose running model the workspace shows (GET /status with rasa_token).
    rasa_instances: Annotated[list[AnyHttpUrl], NoDecode] = Field(default_factory=list)
    # Rasa instances pull the active model from /model-server with this token (`models:` in bot/endpoints.yml).
    model_server_token: SecretStr | None = Field(None, description="token of the model server")

    # --- Issue 12: the production-grade base. Each part adds its own settings in its own block below. ---
    # The shared secret the gateway signs channel/point metadata with (GATEWAY_SECRET); Rasa's REST channel
    # believes `channel` and `point` only when the signature is right.
    gateway_secret: SecretStr | None = Field(None, description="HMAC key shared with Rasa's REST channel")
    # Host names this app answers to (TrustedHostMiddleware); JSON or comma-separated.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["localhost", "127.0.0.1"])
    # Retention (store.retention): conversations in Rasa's tracker store and the other personal data.
    conversation_retention_days: int = Field(30, ge=1, le=3650)
    # Retention (issue 12, H7): the job in the app's lifespan runs at start-up and then this often.
    retention_interval_seconds: float = Field(3600.0, ge=1, le=86400)
    # Takeover chat lines of a case nobody resolved are blanked after this long (resolving blanks them at once).
    takeover_retention_days: int = Field(7, ge=1, le=365)
    # A booking's phone number (Kela calls it) is removed this long after the appointment.
    booking_phone_retention_days: int = Field(30, ge=1, le=3650)

    # Kiosk devices and public limits (issue 12). A browser holding a registered device's cookie is a kiosk
    # (kiosk_device, HttpOnly, SameSite=Strict, Secure as staff_cookie_secure); this long, then enrol again.
    kiosk_device_cookie_days: int = Field(365, ge=1, le=400)  # browsers cap a cookie's life at 400 days
    # Open (pending) cases of a point above which a new handoff is answered "the queue is full"; the action
    # server reads the same HANDOFF_QUEUE_LIMIT for handoffs through the assistant (actions.services).
    handoff_queue_limit: int = Field(DEFAULT_QUEUE_LIMIT, ge=1, le=1000)
    # Feedback per client address and per point (any address), on top of once per conversation.
    feedback_rate_limit_client: str = Field("10/hour", description="feedback per client address")
    feedback_rate_limit_point: str = Field("300/hour", description="feedback per point")

    @field_validator("feedback_rate_limit_client", "feedback_rate_limit_point")
    @classmethod
    def _feedback_rate_limit(cls, value: str) -> str:
        limits.parse(value)  # raises ValueError on anything but "N/second|minute|hour|day"
        return value

    # Issue 15, real forms (store.form_pdfs): the official PDFs editors upload, one file per checksum, and the
    # largest upload taken (10 MB by default leaves room for long and scanned forms; larger is refused unread).
    form_files_dir: Path = Field(Path("var/forms"), description="where the uploaded form PDFs are kept")
    form_pdf_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)

    # Staff login throttling (issue 12; store.login_throttle): growing delays, never a lockout (OWASP ASVS 4.0
    # V2.2.1). After the free failures each further failure doubles the next attempt's wait, from the base
    # delay up to a cap per kind of key: per username (every address together) short enough to keep an
    # advisor's own wait small, yet at most 100 failures an hour (checked below); per address+username
    # longer; per address longest, with more free failures because an office shares one address. A browser
    # with a device cookie from an earlier sign-in of the username waits for none of these.
    staff_login_free_failures: int = Field(5, ge=1, le=20, description="per username and address+username")
    staff_login_address_free_failures: int = Field(20, ge=1, le=200)
    staff_login_base_delay_seconds: float = Field(1.0, gt=0, le=60)
    staff_login_user_max_delay_seconds: float = Field(40.0, ge=1, le=3600)
    staff_login_pair_max_delay_seconds: float = Field(300.0, ge=1, le=3600)
    staff_login_address_max_delay_seconds: float = Field(900.0, ge=1, le=3600)
    # Failures with one device cookie before it stops exempting its browser (until that browser's next success).
    staff_login_device_failures: int = Field(5, ge=1, le=20)
    staff_login_device_days: int = Field(90, ge=1, le=400)  # unused this long, a device cookie is forgotten
    # A key without failures this long is forgotten. At least an hour: a shorter pause would start a fresh
    # run of free failures within the same hour.
    staff_login_forget_hours: float = Field(24.0, ge=1, le=720)

    @field_validator("staff_login_user_max_delay_seconds")
    @classmethod
    def _at_most_100_per_hour(cls, value: float, info) -> float:
        from store.login_throttle import Policy, max_failures_per_hour  # the same arithmetic as the throttle

        free, base = info.data.get("staff_login_free_failures"), info.data.get("staff_login_base_delay_seconds")
        if free is not None and base is not None and max_failures_per_hour(Policy(free, base, value)) > 100:
            raise ValueError("lets more than 100 failed logins an hour through per username (OWASP ASVS V2.2.1)")
        return value

    @field_validator("rasa_instances", mode="before")
    @classmethod
    def _split_instances(cls, value):
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("chat_rate_limit_client", "chat_rate_limit_conversation", "handoff_rate_limit_client")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        limits.parse(value)  # raises ValueError on anything but "N/second|minute|hour|day"
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _rate_limit_storage(cls, value: SecretStr) -> SecretStr:
        scheme = urlsplit(value.get_secret_value()).scheme
        if scheme not in ("memory", "redis", "rediss", "redis+unix"):
            raise ValueError(f"rate limit storage must be memory:// or redis://, not {scheme or 'empty'}://")
        return value

    @field_validator("allowed_origins", "allowed_hosts", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return json.loads(value)
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        origins = []
        for origin in value:
            parts = urlsplit(origin)
            # An origin is scheme://host[:port] and nothing more; a path would never match a browser's Origin.
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path not in ("", "/")
                or parts.query
                or parts.fragment
            ):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
            origins.append(f"{parts.scheme}://{parts.netloc}".lower())
        return origins
