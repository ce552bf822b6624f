"""The action server: rasa-sdk's app behind a shared secret, on loopback unless BIND_ADDRESS says otherwise.

    ACTION_SERVER_TOKEN=... python -m actions.server --port 5055

Rasa sends `Authorization: Bearer $ACTION_SERVER_TOKEN` (bot/endpoints.yml); every other caller gets 401,
except GET /health for supervisors. Everything else is rasa-sdk's own server (rasa_sdk.endpoint.run).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import os
import sys
import zlib
from typing import Any

from rasa_sdk import endpoint, utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from privacy import logging_filter

log = logging.getLogger(__name__)

TOKEN_ENV = "ACTION_SERVER_TOKEN"
BIND_ENV = "BIND_ADDRESS"
DEFAULT_BIND = "127.0.0.1"
OPEN_ROUTES = {("GET", "/health")}
# Rasa sends the whole tracker with every call; a long conversation stays far below this.
MAX_REQUEST_BYTES = 8 * 1024 * 1024


def _bearer(token: str) -> bytes:
    return f"Bearer {token}".encode()


def _unauthorized() -> HTTPResponse:
    return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def _action_call(request: Request) -> Any:
    """The webhook's JSON body (inflated when Rasa compressed it); ValueError when it is not JSON."""
    body = request.body
    if request.headers.get("Content-Encoding") == "deflate":
        try:
            # Bounded: a small compressed bomb must not inflate past the request limit.
            inflater = zlib.decompressobj()
            body = inflater.decompress(body, MAX_REQUEST_BYTES)
            if inflater.unconsumed_tail:
                raise ValueError("inflated body too large")
        except zlib.error as exc:
            raise ValueError("not deflate") from exc
    return json.loads(body)


def _shape_error(call: Any) -> str | None:
    """Why this action call cannot be run, or None; rasa-sdk itself would fail on these with a 500."""
    if not isinstance(call, dict):
        return "body_not_an_object"
    if call.get("next_action") is not None and not isinstance(call["next_action"], str):
        return "next_action_not_a_string"
    if call.get("version") is not None and not isinstance(call["version"], str):
        return "version_not_a_string"
    if call.get("next_action"):
        tracker = call.get("tracker")
        if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
            return "tracker_missing"
        if not isinstance(tracker.get("events", []), list) or not isinstance(tracker.get("slots", {}), dict):
            return "tracker_malformed"
        if not isinstance(call.get("domain", {}), dict):
            return "domain_not_an_object"
    return None


def protect(app: Sanic, token: str) -> Sanic:
    """Require the bearer token on every route but the health check; refuse malformed webhook bodies."""
    expected = _bearer(token)

    @app.on_request
    async def check_token(request: Request) -> HTTPResponse | None:
        if (request.method, request.path) in OPEN_ROUTES:
            return None
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            return _unauthorized()
        if request.method == "POST" and request.path == "/webhook":
            try:
                call = _action_call(request)
            except (ValueError, UnicodeDecodeError):
                return _bad_request("invalid_json")
            reason = _shape_error(call)
            if reason:
                return _bad_request(reason)
            if request.headers.get("Content-Encoding") != "deflate":
                # rasa-sdk reads `request.json`: the body parsed here once is the one it gets (Sanic keeps it).
                request.parsed_json = call
        return None

    @app.exception(SanicException)
    async def http_error(request: Request, exception: SanicException) -> HTTPResponse:
        # rasa-sdk's catch-all would turn these (bad JSON, 404, 405) into a 500 that echoes the body.
        return response.json({"error": str(exception)}, status=getattr(exception, "status_code", 500))

    @app.exception(Exception)
    async def server_error(request: Request, exception: Exception) -> HTTPResponse:
        # Logged without the request body: the tracker in it is a customer's conversation.
        log.error("Action call failed: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "internal_error"}, status=500)

    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    return app


class ThreadedActionExecutor(ActionExecutor):
    """rasa-sdk's executor, but each action call runs in a worker thread with its own event loop.

    The actions use the database (cases, bookings, service events, the published catalogue) through
    synchronous SQLAlchemy; on the server's loop one slow query would hold up every other conversation.
    """

    async def run(self, action_call: Any) -> dict[str, Any] | None:
        """The action call's result, computed off the server's event loop."""
        return await asyncio.to_thread(asyncio.run, super().run(action_call))


def create_protected_app(token: str, actions: str = "actions", cors: Any = None) -> Sanic:
    """rasa-sdk's app for the actions package, behind the token, its actions run in worker threads."""
    # rasa-sdk's create_app builds its executor by this module-level name, with no way to pass one in.
    endpoint.ActionExecutor = ThreadedActionExecutor  # type: ignore[misc]
    app = create_app(actions, cors_origins=cors)
    return protect(app, token)


def parser() -> argparse.ArgumentParser:
    """rasa-sdk's own arguments (`rasa run actions`), with `--actions actions` by default."""
    parsed = create_argument_parser()
    parsed.set_defaults(actions="actions")
    return parsed


def main(argv: list[str] | None = None) -> None:
    """Start the action server as `rasa run actions` does, but on BIND_ADDRESS and behind the token."""
    # Before anything logs: no identity code or phone number reaches a log line (privacy.logging_filter).
    logging_filter.install()
    args = parser().parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        sys.exit(
            f"{TOKEN_ENV} is not set: the action server refuses to start without the secret Rasa sends "
            "(bot/endpoints.yml action_endpoint.headers)."
        )
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()

    app = create_protected_app(token, args.actions, args.cors)
    if args.auto_reload:
        log.warning("--auto-reload is not supported here; the actions load once")
    # rasa_sdk.endpoint.run's plugin hook: listeners, middleware and routes of installed plugins.
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = os.environ.get(BIND_ENV, DEFAULT_BIND)
    log.info("Action server on %s://%s:%s", "https" if ssl_context else "http", host, args.port)
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
