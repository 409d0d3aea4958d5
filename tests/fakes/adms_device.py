"""A fake ZKTeco terminal in ADMS ("cloud server") mode: it calls watchd the way a real one does.

Test peer only. It keeps an attendance log and the upload stamp the server hands it at start-up,
uploads the records after that stamp as tab-separated ATTLOG lines, and heartbeats with
getrequest. Works with any httpx client: a TestClient or a real server on loopback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx


@dataclass
class FakeAdmsDevice:
    http: httpx.Client
    serial: str = "ADMS0001"
    firmware: str = "Ver 8.0.4.2-20220101"
    log: list[str] = field(default_factory=list)  # ATTLOG lines, oldest first
    stamp: int = 0  # how many log lines the server has confirmed
    options: dict[str, str] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)  # anything but "OK" the server ever sent
    suffix: str = ""  # push 2.x firmware (eSSL, older ZKTeco) calls /iclock/cdata.aspx and so on
    serial_key: str = "SN"  # some firmware spells it "sn"
    pushver: str = "2.4.1"

    def _path(self, name: str) -> str:
        return f"/iclock/{name}{self.suffix}"

    def boot(self) -> httpx.Response:
        """Start-up: ask for options; resume uploading after the server's ATTLOGStamp."""
        r = self.http.get(
            self._path("cdata"),
            params={self.serial_key: self.serial, "options": "all", "pushver": self.pushver, "language": "83"},
        )
        if r.status_code == 200:
            self.options = dict(line.split("=", 1) for line in r.text.splitlines() if "=" in line)
            stamp = self.options.get("ATTLOGStamp", "None")
            self.stamp = int(stamp) if stamp.isdigit() else 0
        return r

    def punch(self, pin: str, at: str, status: int = 0, verify: int = 15) -> None:
        self.log.append(f"{pin}\t{at}\t{status}\t{verify}\t0\t0\t0")

    def raw_line(self, line: str) -> None:
        """A line exactly as given (for malformed input)."""
        self.log.append(line)

    def upload(self, encoding: str = "utf-8") -> httpx.Response:
        """Send every line after the stamp; on "OK" the stamp moves to the end."""
        pending = self.log[self.stamp :]
        new_stamp = len(self.log)
        body = ("\n".join(pending) + "\n").encode(encoding)
        r = self.http.post(
            self._path("cdata"), params={self.serial_key: self.serial, "table": "ATTLOG", "Stamp": str(new_stamp)},
            content=body, headers={"Content-Type": "text/plain"},
        )
        if r.status_code == 200 and r.text.startswith("OK"):
            self.stamp = new_stamp
        return r

    def heartbeat(self) -> httpx.Response:
        info = f"{self.firmware},2,0,{len(self.log)},192.168.1.201,10,12,30,0,111"
        r = self.http.get(self._path("getrequest"), params={self.serial_key: self.serial, "INFO": info})
        if r.status_code == 200 and r.text.strip() != "OK":
            self.commands.append(r.text)
        return r

    def command_result(self, body: bytes = b"ID=1&Return=0&CMD=DATA") -> httpx.Response:
        """What the terminal posts after running a command; firmware sends no content type."""
        return self.http.post(self._path("devicecmd"), params={self.serial_key: self.serial}, content=body)
