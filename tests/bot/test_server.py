"""The Rasa launcher (python -m bot.server): the token only from the environment, loopback by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import server

ROOT = Path(__file__).resolve().parents[2]


def launch(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in ("RASA_TOKEN", "GATEWAY_SECRET")}
    return subprocess.run(
        [sys.executable, "-m", "bot.server", *args],
        cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_rasa_token():
    result = launch("--port", "1")
    assert result.returncode != 0
    assert "RASA_TOKEN" in result.stderr


def test_refuses_a_model_that_is_not_there():
    result = launch("--model", "models/nothing.tar.gz", RASA_TOKEN="t")
    assert result.returncode != 0
    assert "models/nothing.tar.gz" in result.stderr


@pytest.mark.parametrize("option", ["--auth-token", "--interface", "--enable-api"])
def test_token_and_interface_are_not_command_line_options(option):
    with pytest.raises(SystemExit):
        server.parser().parse_args([option, "x"])


def test_defaults_are_the_projects_files_and_no_model():
    args = server.parser().parse_args([])
    assert (args.port, args.endpoints, args.credentials, args.model) == (
        5005,
        "bot/endpoints.yml",
        "bot/credentials.yml",
        None,
    )
    assert server.DEFAULT_BIND == "127.0.0.1"


def test_action_replies_are_checked_against_rasas_schema_with_one_validator():
    """The same replies pass and fail as with Rasa's own check, with Rasa's error."""
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from bot.server import validate_action_results_with_one_validator

    original = RemoteAction._validate_action_result
    try:
        validate_action_results_with_one_validator()
        action = RemoteAction("action_x", None)
        assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []})
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result({"events": "not a list"})
    finally:
        RemoteAction._validate_action_result = original
