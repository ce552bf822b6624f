"""deploy/supervisord.conf, read by supervisor's own options loader: the contract's launchers, restarts."""

from pathlib import Path

import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ClientOptions, ServerOptions

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "supervisord.conf"
PORTS = {"RASA_PORT": "15005", "ACTION_PORT": "15055", "WEB_PORT": "18000"}


@pytest.fixture
def programs(tmp_path, monkeypatch):
    """Every program of the conf as supervisord would run it, with scripts/run.sh's environment."""
    for name, value in {**PORTS, "RUN_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    options = ServerOptions()
    options.realize(args=["-c", str(CONF)])
    groups = {group.name: group.process_configs for group in options.process_group_configs}
    assert all(len(configs) == 1 for configs in groups.values())
    return options, {name: configs[0] for name, configs in groups.items()}


def test_three_programs_run_the_contract_launchers(programs):
    _, programs = programs
    assert set(programs) == {"actions", "rasa", "web"}
    actions, rasa, web = (programs[name].command for name in ("actions", "rasa", "web"))
    assert ".venv-rasa/bin/python -m actions.server --port 15055" in actions
    assert ".venv-rasa/bin/python -m bot.server --port 15005" in rasa
    assert "--endpoints bot/endpoints.yml --credentials bot/credentials.yml" in rasa
    assert ".venv-web/bin/uvicorn kiosk_ui.app:create_app --factory --host 127.0.0.1 --port 18000" in web


def test_rasa_waits_for_the_web_app_it_pulls_its_model_from(programs):
    _, programs = programs
    rasa = programs["rasa"].command
    assert "wait_for_url.py http://127.0.0.1:18000/" in rasa
    assert rasa.index("wait_for_url.py") < rasa.index("exec ")


def test_no_secret_is_on_a_command_line(programs):
    _, programs = programs
    for program in programs.values():
        assert "TOKEN" not in program.command and "SECRET" not in program.command
        assert "--auth-token" not in program.command


def test_a_dead_part_is_restarted_and_stopping_stops_its_children(programs):
    _, programs = programs
    for program in programs.values():
        assert program.autorestart is RestartUnconditionally
        assert program.startretries >= 10 and program.startsecs <= 5
        assert program.stopasgroup and program.killasgroup
        assert program.redirect_stderr and program.stdout_logfile == "/dev/stdout"
        assert program.stdout_logfile_maxbytes == 0


def test_socket_and_pid_file_are_in_the_run_dir_and_private(programs, tmp_path):
    options, _ = programs
    server = options.server_configs[0]
    assert server["family"].name == "AF_UNIX" and server["file"] == str(tmp_path / "supervisor.sock")
    assert server["chmod"] == 0o700
    assert options.pidfile == str(tmp_path / "supervisord.pid")


def test_supervisorctl_reads_the_conf_without_the_run_environment(monkeypatch):
    monkeypatch.delenv("RUN_DIR", raising=False)
    options = ClientOptions()
    options.realize(args=["-c", str(CONF), "status"])
    assert options.serverurl == f"unix://{ROOT / 'var' / 'supervisor.sock'}"
