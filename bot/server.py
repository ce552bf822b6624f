"""The Rasa server as `rasa run --enable-api` starts it, on loopback and with the token from the environment.

    RASA_TOKEN=... python -m bot.server --port 5005 --endpoints bot/endpoints.yml --credentials bot/credentials.yml

The HTTP API's token comes from RASA_TOKEN, so it never shows in the process list; the interface from
BIND_ADDRESS (127.0.0.1 unless a multi-host deployment sets it). Without `--model` the model comes from the
model server in the endpoints (`models:`), as it does in production.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from privacy import logging_filter

log = logging.getLogger(__name__)

TOKEN_ENV = "RASA_TOKEN"
BIND_ENV = "BIND_ADDRESS"
DEFAULT_BIND = "127.0.0.1"
DEFAULT_PORT = 5005


def parser() -> argparse.ArgumentParser:
    """The few `rasa run` options this project uses; the token and the interface are not among them."""
    from rasa.cli.arguments.default_arguments import add_logging_options

    parsed = argparse.ArgumentParser(
        prog="python -m bot.server",
        description="Starts the Rasa server (RASA_TOKEN, BIND_ADDRESS from the environment).",
    )
    parsed.add_argument("-p", "--port", type=int, default=DEFAULT_PORT, help="port to serve on")
    parsed.add_argument("--endpoints", default="bot/endpoints.yml", help="Rasa's endpoints file")
    parsed.add_argument("--credentials", default="bot/credentials.yml", help="the input channels")
    parsed.add_argument("-m", "--model", default=None, help="a model file; without it the model server's model")
    parsed.add_argument("--cors", nargs="*", default=None, help="origins allowed by CORS (none by default)")
    parsed.add_argument("--response-timeout", type=int, default=None, help="seconds before a reply times out")
    add_logging_options(parsed)
    return parsed


def validate_action_results_with_one_validator() -> None:
    """Check the action server's replies against Rasa's schema with a validator built once.

    Rasa 3.6 calls `jsonschema.validate` on every reply, which first checks the (fixed) schema itself
    against the JSON Schema standard: 28 % of the Rasa process's CPU under load (py-spy, issue 16). The
    reply is checked as before, against the same schema, with the same error.
    """
    from jsonschema.validators import validator_for  # type: ignore[import-untyped]
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasa_validate = RemoteAction._validate_action_result

    def validate(self: RemoteAction, result: dict) -> bool:
        if validator.is_valid(result):
            return True
        return rasa_validate(self, result)  # Rasa's own path, for its error message

    RemoteAction._validate_action_result = validate  # type: ignore[method-assign]


def run_model_graphs_without_dask() -> None:
    """Rasa's MessageProcessor loads every model with bot/graph_runner.py's runner instead of DaskGraphRunner."""
    import rasa.core.processor

    from bot.graph_runner import SequentialGraphRunner

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]


def _settings(args: argparse.Namespace) -> str:
    """The API token; exits with the reason when the launch cannot work."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        sys.exit(f"{TOKEN_ENV} is not set: Rasa's HTTP API refuses to start without its token.")
    for name, path in (("--endpoints", args.endpoints), ("--credentials", args.credentials)):
        if not os.path.isfile(path):
            sys.exit(f"{name} {path}: no such file")
    if args.model is not None and not os.path.exists(args.model):
        sys.exit(f"--model {args.model}: no such file")
    if not os.environ.get("GATEWAY_SECRET"):
        log.warning("GATEWAY_SECRET is not set: every message is answered as the web channel's at the default point")
    return token


def main(argv: list[str] | None = None) -> None:
    """Configure logging as `rasa` does, read the endpoints and serve the application."""
    # Before anything logs: no identity code or phone number reaches a log line (privacy.logging_filter).
    logging_filter.install()
    args = parser().parse_args(argv)
    token = _settings(args)
    # Usage data of a public service's assistant goes nowhere unless the operator asks for it.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

    # Rasa's imports are slow (TensorFlow): only now, after the arguments are known to be usable.
    import rasa.telemetry
    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.core import constants
    from rasa.core.run import serve_application
    from rasa.core.utils import AvailableEndpoints
    from rasa.plugin import plugin_manager
    from rasa.shared.exceptions import RasaException
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # The same start-up as rasa.__main__.main followed by rasa.cli.run.run.
    configure_logging_and_warnings(
        args.loglevel, args.logging_config_file, warn_only_once=True, filter_repeated_logs=True
    )
    tf_env.setup_tf_environment()
    tf_env.check_deterministic_ops()
    sys.path.insert(1, os.getcwd())  # bot.channels.RedactingRestInput is found from the working directory
    rasa.utils.io.configure_colored_logging(args.loglevel)
    result = plugin_manager().hook.configure_commandline(cmdline_arguments=args)
    endpoints_file = result[0] if result else None
    rasa.telemetry.initialize_telemetry()
    rasa.telemetry.initialize_error_reporting()
    plugin_manager().hook.init_telemetry(endpoints_file=endpoints_file)
    plugin_manager().hook.init_managers(endpoints_file=endpoints_file)
    plugin_manager().hook.init_anonymization_pipeline(endpoints_file=endpoints_file)
    configure_structlog(args.loglevel)
    validate_action_results_with_one_validator()
    run_model_graphs_without_dask()

    try:
        endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
        serve_application(
            model_path=args.model,
            credentials=args.credentials,
            interface=os.environ.get(BIND_ENV, DEFAULT_BIND),
            port=args.port,
            cors=args.cors,
            auth_token=token,
            enable_api=True,
            response_timeout=args.response_timeout or constants.DEFAULT_RESPONSE_TIMEOUT,
            endpoints=endpoints,
        )
    except RasaException as exc:
        sys.exit(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
