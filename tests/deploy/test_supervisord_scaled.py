"""deploy/supervisord-scaled.conf and deploy/haproxy/rasa.cfg as their programs read them (make run-scaled)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from supervisor.options import ServerOptions

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "supervisord-scaled.conf"
ENV = {
    "RASA_PORT": "15005",
    "ACTION_PORT": "15055",
    "WEB_PORT": "18000",
    "PG_PORT": "15433",
    "PG_BIN": "/usr/lib/postgresql/15/bin",
    "PG_RUN_USER": "postgres",
    "SCALED_RASA": "3",
    "SCALED_ACTIONS": "2",
    "SCALED_WEB": "2",
}


@pytest.fixture
def programs(tmp_path, monkeypatch):
    """Every process of the conf as supervisord would run it, with scripts/run-scaled.sh's environment."""
    for name, value in {**ENV, "RUN_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    options = ServerOptions()
    options.realize(args=["-c", str(CONF)])
    return {config.name: config for group in options.process_group_configs for config in group.process_configs}


def test_one_rasa_process_per_instance_each_on_its_own_port(programs):
    rasa = sorted(name for name in programs if name.startswith("rasa"))
    assert rasa == ["rasa-0", "rasa-1", "rasa-2"]
    for number, name in enumerate(rasa):
        command = programs[name].command
        assert f"$((RASA_FIRST_PORT + {number}))" in command
        assert "--endpoints bot/endpoints-scaled.yml" in command


def test_the_shared_state_servers_and_the_workers(programs):
    assert {"postgres", "redis", "haproxy", "actions", "web"} <= set(programs)
    assert "-c listen_addresses=127.0.0.1" in programs["postgres"].command and programs["postgres"].uid is not None
    assert programs["actions"].environment == {"ACTION_SERVER_SANIC_WORKERS": "2"}
    assert "--workers 2" in programs["web"].command and "--host 127.0.0.1" in programs["web"].command


def test_no_secret_is_on_a_command_line(programs):
    for program in programs.values():
        assert "PASSWORD" not in program.command and "TOKEN" not in program.command


def test_databases_start_before_the_parts_that_use_them(programs):
    first = max(programs[name].priority for name in ("postgres", "redis"))
    assert first < programs["haproxy"].priority < programs["actions"].priority < programs["web"].priority
    assert all(programs[name].priority > programs["web"].priority for name in programs if name.startswith("rasa"))


def test_the_endpoints_use_postgresql_and_the_redis_lock_store():
    import yaml

    endpoints = yaml.safe_load((ROOT / "bot" / "endpoints-scaled.yml").read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "redis"
    assert endpoints["action_endpoint"]["enable_selective_domain"] is True


@pytest.mark.skipif(shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(), reason="no haproxy")
def test_haproxy_accepts_the_balancer_with_its_servers(tmp_path):
    cfg = tmp_path / "haproxy.cfg"
    lines = [f"    server rasa-{i} 127.0.0.1:{15006 + i} check" for i in range(2)]
    cfg.write_text((ROOT / "deploy" / "haproxy" / "rasa.cfg").read_text() + "\n".join(lines) + "\n")
    env = {**os.environ, "RASA_PORT": "15005", "RASA_TOKEN": "t"}
    checked = subprocess.run(["/usr/sbin/haproxy", "-c", "-f", str(cfg)], env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
