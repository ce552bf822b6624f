"""deploy/systemd: `systemd-analyze verify` on every unit, and the sandbox every service runs in."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
COMMON = UNITS / "assistant-.service.d" / "10-common.conf"
SERVICES = sorted(UNITS.glob("assistant-*.service"))
INSTALL_DIR = "/opt/assistant"


def settings(*files: Path, section_name: str = "Service") -> dict[str, list[str]]:
    """Every key of the files' sections of that name with its values, in order (keys may repeat)."""
    found: dict[str, list[str]] = {}
    for file in files:
        section = ""
        for raw in file.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
            line = raw.strip()
            if line.startswith("["):
                section = line
            elif section == f"[{section_name}]" and "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                found.setdefault(key, []).append(value)
    return found


def test_every_part_has_a_unit():
    names = {unit.name for unit in UNITS.iterdir() if unit.is_file()}
    assert {
        "assistant.target",
        "assistant-web.service",
        "assistant-actions.service",
        "assistant-rasa.service",
        "assistant-migrate.service",
        "assistant-retention.service",
        "assistant-retention.timer",
        "assistant-backup.service",
        "assistant-backup.timer",
    } <= names


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (apt: systemd)")
def test_systemd_analyze_verify_accepts_every_unit(tmp_path):
    # verify checks that every ExecStart binary exists: the units are copied with /opt/assistant
    # rewritten to this checkout, whose environments hold the same binaries the server's do.
    copy = tmp_path / "units"
    shutil.copytree(UNITS, copy)
    for file in copy.rglob("*"):
        if file.is_file():
            file.write_text(file.read_text(encoding="utf-8").replace(INSTALL_DIR, str(ROOT)), encoding="utf-8")
    units = sorted(str(unit) for unit in copy.iterdir() if unit.is_file())
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        env={"SYSTEMD_UNIT_PATH": f"{copy}:", "PATH": "/usr/bin:/bin", "SYSTEMD_LOG_LEVEL": "notice"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    # verify exits 0 on unknown keys and unparsable values, which it only prints: both must be silent.
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), result.stderr


def test_verify_would_notice_a_missing_binary(tmp_path):
    """The check above is meaningful: a unit whose ExecStart does not exist fails verify."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (apt: systemd)")
    unit = tmp_path / "assistant-broken.service"
    unit.write_text("[Service]\nExecStart=/opt/assistant/.venv-web/bin/missing\n", encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        env={"SYSTEMD_UNIT_PATH": f"{tmp_path}:", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "missing" in result.stderr


HARDENING = {
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "NoNewPrivileges": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "CapabilityBoundingSet": "",
    "StateDirectory": "assistant",
    "ReadWritePaths": "/var/lib/assistant",
    "EnvironmentFile": "/etc/assistant/assistant.env",
    "User": "assistant",
}


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_every_service_runs_sandboxed_as_the_assistant_user(unit):
    # The common drop-in applies to every assistant-*.service by its name's prefix.
    found = settings(COMMON, unit)
    for key, value in HARDENING.items():
        assert found.get(key, [None])[-1] == value, key
    assert "@system-service" in found["SystemCallFilter"]
    assert not any(key.startswith("DynamicUser") or key == "ReadOnlyPaths" for key in settings(unit))


@pytest.mark.parametrize("name", ["web", "actions", "rasa"])
def test_long_running_parts_restart_on_failure(name):
    unit = UNITS / f"assistant-{name}.service"
    found = settings(unit)
    assert found["Restart"] == ["on-failure"] and found["RestartSec"]
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string(unit.read_text(encoding="utf-8"))
    assert parser["Unit"]["PartOf"] == "assistant.target"


def test_only_the_web_app_is_behind_a_port_and_secrets_stay_off_command_lines():
    web, actions, rasa = (settings(UNITS / f"assistant-{name}.service") for name in ("web", "actions", "rasa"))
    assert "--host 127.0.0.1 --port 8000" in web["ExecStart"][0]
    assert "--proxy-headers --forwarded-allow-ips 127.0.0.1" in web["ExecStart"][0]
    assert "-m actions.server --port 5055" in actions["ExecStart"][0]
    assert "-m bot.server --port 5005" in rasa["ExecStart"][0]
    for unit in SERVICES:
        text = unit.read_text(encoding="utf-8")
        assert "--auth-token" not in text and "TOKEN=" not in text and "SECRET=" not in text


def test_the_target_starts_every_part_and_timer():
    wanted = set(" ".join(settings(UNITS / "assistant.target", section_name="Unit")["Wants"]).split())
    started = {unit.name for unit in SERVICES if "Restart=on-failure" in unit.read_text(encoding="utf-8")}
    timers = {unit.name for unit in UNITS.glob("*.timer")}
    assert started | timers == wanted
    for timer in timers:  # each timer starts its oneshot service of the same name
        assert (UNITS / timer.replace(".timer", ".service")).exists()


def test_the_env_example_sets_every_secret():
    example = (ROOT / "deploy" / "assistant.env.example").read_text(encoding="utf-8")
    for secret in ("RASA_TOKEN", "ACTION_SERVER_TOKEN", "GATEWAY_SECRET", "MODEL_SERVER_TOKEN"):
        assert f"\n{secret}=change-me\n" in example


def test_the_web_app_and_the_action_server_start_after_the_migrations():
    for name in ("web", "actions"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read_string((UNITS / f"assistant-{name}.service").read_text(encoding="utf-8"))
        assert "assistant-migrate.service" in parser["Unit"]["Requires"]
        assert "assistant-migrate.service" in parser["Unit"]["After"]
