"""`make run` as the README prints it: started, read for its first-start credentials, stopped.

The walk (make_run_walk.py) and tests/walk/test_make_run.py start the Makefile target itself, never
a copy of its command line, so a broken target fails them. The port comes from WATCHD_PORT (a free
one, so a `make run` already serving 8000 on this machine is not disturbed) and the data from a
temporary WATCHD_DATA_DIR.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"watchd serving on (https?://\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MakeRun:
    """A running `make run`; `lines` is everything it printed (stdout and stderr), as it comes."""

    proc: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_until_serving(self, timeout: float) -> None:
        """Until `/healthz` answers 200 (a fresh clone first installs .venv: minutes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"make run exited with {self.proc.returncode}:\n{self.output}")
            if SERVING.search(self.output):
                try:
                    if httpx.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"make run did not serve /healthz within {timeout:.0f} s:\n{self.output}")

    def credentials(self) -> tuple[str, dict[str, str]]:
        """The admin password and the kiosk links (device id -> URL) printed at the first start."""
        text = self.output
        password = re.search(r"^\s*password\s+: (\S+)$", text, re.MULTILINE)
        assert password, f"no admin password printed:\n{text}"
        links = dict(re.findall(r"^\s*kiosk (\S+): (http\S+/kiosk#token=\S+)$", text, re.MULTILINE))
        assert links, f"no kiosk link printed:\n{text}"
        return password.group(1), links

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to watchd (make's child, as systemd or kill would send it); make's exit code.

        make runs the recipe's one command without a shell, so its child is the daemon; make
        then exits with the daemon's status.
        """
        for pid in _children(self.proc.pid):
            os.kill(pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError(f"make run did not stop within {timeout:.0f} s of SIGTERM:\n{self.output}") from None
        if self._reader is not None:
            self._reader.join(timeout=5)
        return code


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc/*/stat; the field after the name in parentheses)."""
    found: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="utf-8", errors="replace")
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def start_make_run(data_dir: Path, port: int | None = None) -> MakeRun:
    """`make run` in the repository, with its own data directory and port."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.pop("WATCHD_DATABASE_URL", None)
    env.pop("WATCHD_CONFIG", None)
    port = port or free_port()
    env.update(WATCHD_DATA_DIR=str(data_dir), WATCHD_PORT=str(port), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    run = MakeRun(proc, port)
    run._reader = threading.Thread(target=run._read, name="make-run-output", daemon=True)
    run._reader.start()
    return run
