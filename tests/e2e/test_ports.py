"""Only the web app is the front door: Rasa and the action server listen on loopback only."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import subprocess

import httpx
import pytest


def outside_address() -> str | None:
    """An address of this machine other than loopback, or None when it has none."""
    candidates: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent, only a route is chosen
            candidates.append(probe.getsockname()[0])
        except OSError:
            pass
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        candidates += subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout.split()
    for candidate in candidates:
        with contextlib.suppress(ValueError):
            address = ipaddress.ip_address(candidate)
            if address.version == 4 and not address.is_loopback and not address.is_unspecified:
                return str(address)
    return None


def refuses(host: str, port: int) -> bool:
    """True when nothing answers on that address and port (refused, or unreachable)."""
    try:
        with socket.create_connection((host, port), timeout=5):
            return False
    except OSError:
        return True


@pytest.fixture(scope="module")
def outside():
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    return address


def test_rasa_and_the_action_server_answer_on_loopback(stack):
    assert httpx.get(f"{stack.rasa_url}/version", timeout=10).status_code == 200
    assert httpx.get(f"{stack.action_url}/health", timeout=10).status_code == 200


def test_rasa_refuses_connections_from_outside(stack, outside):
    assert refuses(outside, stack.rasa_port)


def test_the_action_server_refuses_connections_from_outside(stack, outside):
    assert refuses(outside, stack.action_port)
