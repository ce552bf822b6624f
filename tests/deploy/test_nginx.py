"""deploy/nginx/assistant.conf: `nginx -t` with a throw-away certificate, and what the site lets through."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "assistant.conf"
CERT_DIR = "/etc/letsencrypt/live/assistant.example.fi"


def test_nginx_accepts_the_site(tmp_path):
    if not shutil.which("nginx") or not shutil.which("openssl"):
        pytest.skip("nginx or openssl is not installed (apt: nginx-light openssl; .ci/run installs them)")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=assistant.example.fi", "-keyout", "privkey.pem", "-out", "fullchain.pem"),
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = tmp_path / "site.conf"
    site.write_text(SITE.read_text(encoding="utf-8").replace(CERT_DIR, str(tmp_path)), encoding="utf-8")
    # Debian's nginx.conf includes sites-enabled inside `http {}`; this is the same, minus the rest.
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n    include {site};\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr and "[warn]" not in result.stderr


def directives(name: str) -> list[str]:
    """The values of every `name ...;` directive of the site, comments left out."""
    text = "\n".join(line.split("#", 1)[0] for line in SITE.read_text(encoding="utf-8").splitlines())
    return [value.strip() for value in re.findall(rf"(?m)^\s*{name}\s+([^;{{]*);", text)]


def test_only_the_web_app_is_proxied():
    assert set(directives("proxy_pass")) == {"http://assistant_web"}
    assert directives("server") == ["127.0.0.1:8000"]
    text = SITE.read_text(encoding="utf-8")
    assert ":5005" not in text.replace("(5005)", "") and ":5055" not in text.replace("(5055)", "")


def test_tls_with_certbot_paths_and_http_only_redirects():
    assert directives("ssl_certificate") == [f"{CERT_DIR}/fullchain.pem"]
    assert directives("ssl_certificate_key") == [f"{CERT_DIR}/privkey.pem"]
    assert directives("ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    assert "301 https://$host$request_uri" in directives("return")
    assert all(("443" in listen) == ("ssl" in listen) for listen in directives("listen"))


def test_proxy_headers_cannot_be_planted_and_bodies_are_limited():
    headers = directives("proxy_set_header")
    assert "X-Forwarded-For $remote_addr" in headers  # replaced, never appended to
    assert "X-Forwarded-Proto $scheme" in headers and "Host $host" in headers
    assert directives("client_max_body_size") == ["256k"]


def test_model_server_is_not_reachable_from_outside():
    text = SITE.read_text(encoding="utf-8")
    assert re.search(r"location /model-server/ \{\s*return 404;", text)
