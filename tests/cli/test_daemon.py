"""`watchd run` as a real process: first-start credentials, HTTP and HTTPS, a clean stop."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import daemon_http
from tests.integration import need

pytestmark = pytest.mark.date_sensitive  # a real `watchd run` on the real clock

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(config: Path, data: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "WATCHD_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    env.pop("WATCHD_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config), "run"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def read_until(proc: subprocess.Popen[str], pattern: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    raise AssertionError("daemon never printed " + pattern + ":\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def config_text(port: int, extra: str = "") -> str:
    example = (ROOT / "config" / "watchd.example.toml").read_text(encoding="utf-8")
    example = example.replace("port = 8000", f"port = {port}")
    return example.replace("[server]", "[server]\n" + extra, 1)


def test_first_start_prints_credentials_once_and_serves(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "watchd.toml"
    config.write_text(config_text(port), encoding="utf-8")
    proc = start(config, tmp_path / "data")
    try:
        out = read_until(proc, r"watchd serving on")
        text = "".join(out)
        password = re.search(r"password\s+: (\S+)", text)
        assert password, text
        assert re.search(r"kiosk kiosk-bayan: http://127\.0\.0\.1:\d+/kiosk#token=\S+", text)
        assert "warm-up" not in text  # the routes are built before serving, without a line about it
        base = f"http://127.0.0.1:{port}"
        assert daemon_http.get(f"{base}/healthz").json()["status"] == "ok"
        r = daemon_http.post(f"{base}/api/auth/login", json={"username": "admin", "password": password.group(1)})
        assert r.status_code == 200
        assert "其其格" in daemon_http.get(f"{base}/api/people", headers={"Authorization": f"Bearer {r.json()['token']}"}).text
        assert "签到" in daemon_http.get(f"{base}/kiosk").text
    finally:
        assert stop(proc) == 0
    # The secret appears on stdout at the first start only, never in a log line.
    assert not [line for line in out if password.group(1) in line and " INFO " in line]
    proc = start(config, tmp_path / "data")
    try:
        again = "".join(read_until(proc, r"watchd serving on"))
        assert "password" not in again and "#token=" not in again
    finally:
        stop(proc)


def test_bad_config_stops_start_up_with_the_key_path(tmp_path: Path) -> None:
    config = tmp_path / "watchd.toml"
    config.write_text(config_text(free_port()).replace("tolerance = 0.5", "tolerance = 9"), encoding="utf-8")
    proc = start(config, tmp_path / "data")
    assert proc.wait(timeout=30) == 2
    assert proc.stdout is not None
    assert "recognition.tolerance:" in proc.stdout.read()


def test_https_when_certificates_are_configured(tmp_path: Path) -> None:
    need(shutil.which("openssl") is not None, "openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    port = free_port()
    config = tmp_path / "watchd.toml"
    config.write_text(config_text(port, f'tls_cert = "{cert}"\ntls_key = "{key}"'), encoding="utf-8")
    proc = start(config, tmp_path / "data")
    try:
        out = "".join(read_until(proc, r"watchd serving on"))
        assert "https://127.0.0.1" in out
        ctx = ssl.create_default_context(cafile=str(cert))
        assert daemon_http.get(f"https://127.0.0.1:{port}/healthz", verify=ctx).status_code == 200
        with pytest.raises(httpx.HTTPError):
            daemon_http.get(f"http://127.0.0.1:{port}/healthz", timeout=3)
    finally:
        stop(proc)


def test_under_systemd_the_first_start_secrets_go_to_a_private_file(tmp_path: Path) -> None:
    config = tmp_path / "watchd.toml"
    config.write_text(config_text(free_port()), encoding="utf-8")
    os.environ["INVOCATION_ID"] = "test"
    try:
        proc = start(config, tmp_path / "data")
    finally:
        del os.environ["INVOCATION_ID"]
    try:
        out = "".join(read_until(proc, r"watchd serving on"))
    finally:
        stop(proc)
    secret_file = tmp_path / "data" / "first-start-credentials.txt"
    assert "password" in secret_file.read_text(encoding="utf-8")
    assert secret_file.stat().st_mode & 0o077 == 0
    assert "password   :" not in out and "#token=" not in out
