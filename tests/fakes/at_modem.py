"""A fake GSM modem on a pseudo-terminal that answers AT commands like a Quectel EC20.

gammu talks to it with its real AT driver over the pty, exactly as to a USB modem: echo, CME errors,
character sets, PDU mode, the SIM's SMS centre, `AT+CMGS=<len>`, the "> " prompt, the PDU ended by
Ctrl-Z. The PDUs it receives are kept (hex) for the test to decode. `cms_error` makes the next
sends fail the way a network refusal does (`+CMS ERROR: <n>`). Voice calls: `ATD<number>;` is
recorded in `dialled`, `AT+CHUP` / `ATH` in `hang_ups`.
"""

from __future__ import annotations

import contextlib
import os
import pty
import threading
import tty

SMSC = "+8613800471500"
FIXED = {
    b"AT+CGMI": b"Quectel",
    b"AT+CGMM": b"EC20F",
    b"AT+CGMR": b"EC20FAR02A08M4G",
    b"AT+CGSN": b"861234567890123",
    b"AT+CPIN?": b"+CPIN: READY",
    b"AT+CSCS?": b'+CSCS: "GSM"',
    b"AT+CSCS=?": b'+CSCS: ("GSM","IRA","UCS2")',
    b"AT+CMGF=?": b"+CMGF: (0,1)",
    b"AT+CSCA?": f'+CSCA: "{SMSC}",145'.encode(),
}
SUPPORTED_TESTS = {b"AT+CHUP=?"}  # an EC20 hangs up with AT+CHUP (gammu probes it)


class FakeAtModem:
    def __init__(self) -> None:
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self.pdus: list[str] = []
        self.cms_error: int | None = None
        self.dialled: list[str] = []
        self.hang_ups = 0
        self._next_reference = 40
        self._thread = threading.Thread(target=self._serve, name="fake-at-modem", daemon=True)

    def __enter__(self) -> FakeAtModem:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._master)  # the serving thread's read fails and it ends
        os.close(self._slave)

    def _serve(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while True:
                ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\x1a")) if i >= 0]
                if not ends:
                    break
                end = min(ends)
                line, terminator, buffer = buffer[:end], buffer[end:end + 1], buffer[end + 1:]
                self._answer(line.strip(b"\n"), terminator)

    def _write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self._master, data)

    def _answer(self, line: bytes, terminator: bytes) -> None:
        if terminator == b"\x1a":  # the PDU after the "> " prompt
            self.pdus.append(line.decode())
            if self.cms_error is not None:
                self._write(line + b"\x1a\r\n+CMS ERROR: " + str(self.cms_error).encode() + b"\r\n")
            else:
                self._next_reference += 1
                self._write(line + b"\x1a\r\n+CMGS: " + str(self._next_reference).encode() + b"\r\n\r\nOK\r\n")
            return
        command = line.upper()
        echo = line + b"\r"
        if command.startswith(b"ATD") and command.endswith(b";"):
            self.dialled.append(line[3:-1].decode().removeprefix("T").removeprefix("t"))  # ATDT: tone dialling
            self._write(echo + b"\r\nOK\r\n")
        elif command in (b"AT+CHUP", b"ATH", b"ATH0"):
            self.hang_ups += 1
            self._write(echo + b"\r\nOK\r\n")
        elif command.startswith(b"AT+CMGS="):
            self._write(echo + b"\r\n> ")
        elif command in FIXED:
            self._write(echo + b"\r\n" + FIXED[command] + b"\r\n\r\nOK\r\n")
        elif command in SUPPORTED_TESTS:
            self._write(echo + b"\r\nOK\r\n")
        elif command.endswith(b"=?"):
            self._write(echo + b"\r\nERROR\r\n")
        else:
            self._write(echo + b"\r\nOK\r\n")
