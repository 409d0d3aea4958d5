"""MQTT peers for the channel tests: a private Mosquitto with a password file, and a broker that stalls.

`PrivateMosquitto` runs the real broker binary on a free loopback port with anonymous access off,
so a wrong password is refused by Mosquitto itself. `StallingBroker` speaks just enough MQTT 3.1.1
to stall at a chosen point: it never answers CONNECT ("no_connack"), or it accepts the connection
and swallows every PUBLISH without a PUBACK ("no_puback").
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

CONNACK_OK = bytes([0x20, 0x02, 0x00, 0x00])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateMosquitto:
    def __init__(self, directory: Path, *, username: str, password: str) -> None:
        self.port = free_port()
        self.directory = directory
        self.username = username
        self.password = password
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("mosquitto") is not None and shutil.which("mosquitto_passwd") is not None

    def __enter__(self) -> PrivateMosquitto:
        passwords = self.directory / "passwords"
        subprocess.run(
            ["mosquitto_passwd", "-b", "-c", str(passwords), self.username, self.password],
            check=True, capture_output=True,
        )
        passwords.chmod(0o600)
        conf = self.directory / "mosquitto.conf"
        conf.write_text(
            f"user root\nlistener {self.port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\n"
            "persistence false\nlog_dest stderr\n"
        )
        self._process = subprocess.Popen(
            ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("private mosquitto did not start")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)


class StallingBroker:
    def __init__(self, mode: str) -> None:
        assert mode in {"no_connack", "no_puback"}
        self.mode = mode
        self.publishes = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> StallingBroker:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        with conn:
            buffer = b""
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while (packet := _take_packet(buffer)) is not None:
                    kind, buffer = packet
                    if kind == 1 and self.mode == "no_puback":  # CONNECT
                        conn.sendall(CONNACK_OK)
                    elif kind == 3:  # PUBLISH: swallowed
                        self.publishes += 1


def _take_packet(buffer: bytes) -> tuple[int, bytes] | None:
    """(packet type, rest of the buffer) for one complete MQTT packet at the start of `buffer`."""
    if len(buffer) < 2:
        return None
    length, multiplier, i = 0, 1, 1
    while True:
        if i >= len(buffer):
            return None
        byte = buffer[i]
        length += (byte & 0x7F) * multiplier
        multiplier *= 128
        i += 1
        if not byte & 0x80:
            break
    if len(buffer) < i + length:
        return None
    return buffer[0] >> 4, buffer[i + length:]
