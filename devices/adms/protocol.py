"""The ZKTeco ADMS ("PUSH", iclock) protocol: parsing what a terminal posts, and the replies it expects.

The terminal is the HTTP client; every reply is a plain-text body. watchd answers only with
options and "OK": it never queues a command for a terminal (the protocol allows `C:<id>:SHELL`,
which would run shell commands on it).

    GET  /iclock/cdata?SN=<sn>&options=all          -> options (below)
    POST /iclock/cdata?SN=<sn>&table=ATTLOG&Stamp=n -> "OK: <lines taken>"
         body lines: PIN \\t YYYY-MM-DD HH:MM:SS \\t Status \\t Verify \\t Workcode \\t ...
    GET  /iclock/getrequest?SN=<sn>[&INFO=...]      -> "OK" (no command, ever)
    POST /iclock/devicecmd?SN=<sn>                  -> "OK"
    GET  /iclock/ping?SN=<sn>                       -> "OK"

Push 2.x firmware (eSSL, older ZKTeco) calls the same endpoints with ".aspx" appended
(/iclock/cdata.aspx, /iclock/getrequest.aspx, /iclock/devicecmd.aspx); some send `sn=`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from ipaddress import ip_address, ip_network
from zoneinfo import ZoneInfo

from devices.adms.config import AdmsConfig
from devices.contracts import CheckIn
from devices.terminal import Method, WallTime, punch_event

VERIFY_METHODS: dict[int, Method] = {0: "pin", 1: "fingerprint", 2: "card", 3: "pin", 4: "card", 15: "face"}
STATE_NAMES: dict[int, str] = {
    0: "check_in", 1: "check_out", 2: "break_out", 3: "break_in", 4: "overtime_in", 5: "overtime_out",
}
MAX_LINE = 1000


@dataclass(frozen=True, slots=True)
class BadLine:
    number: int  # 1-based line number in the upload
    text: str  # the line, shortened and escaped for a log
    problem: str


@dataclass(slots=True)
class AttlogUpload:
    punches: list[CheckIn] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)
    skipped: int = 0  # lines of a verification mode not counted

    @property
    def lines_taken(self) -> int:
        return len(self.punches) + self.skipped


def find_device(devices: Sequence[object], serial: str) -> AdmsConfig | None:
    for d in devices:
        if isinstance(d, AdmsConfig) and d.serial == serial and d.enabled:
            return d
    return None


def ip_allowed(device: AdmsConfig, address: str | None) -> bool:
    if not device.allow_ips:
        return True
    if address is None:
        return False
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:192.168.2.5 from a dual-stack listener
        ip = ip.ipv4_mapped
    return any(ip in ip_network(net) for net in device.allow_ips)


def decode_body(body: bytes) -> str:
    """Chinese terminals send GB2312/GBK text; newer ones UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def parse_attlog(text: str, device: AdmsConfig) -> AttlogUpload:
    """The punches in an ATTLOG upload. A line without a user or a time is reported, not guessed at."""
    zone = ZoneInfo(device.timezone)
    out = AttlogUpload()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        shown = line[:120].encode("unicode_escape").decode("ascii")
        if len(line) > MAX_LINE:
            out.bad_lines.append(BadLine(number, shown, f"line longer than {MAX_LINE} characters"))
            continue
        pin = fields[0].strip()
        if not pin or len(pin) > 64:
            out.bad_lines.append(BadLine(number, shown, "no user id (PIN) in the first field"))
            continue
        if len(fields) < 2:
            out.bad_lines.append(BadLine(number, shown, "no time in the second field"))
            continue
        try:
            wall = WallTime.parse(fields[1])
        except ValueError as exc:
            out.bad_lines.append(BadLine(number, shown, str(exc)))
            continue
        state = _int_field(fields, 2)
        verify = _int_field(fields, 3)
        if device.verify_codes and verify not in device.verify_codes:
            out.skipped += 1
            continue
        out.punches.append(
            punch_event(
                device_id=device.id, serial=device.serial, device_user=pin, wall=wall, zone=zone,
                source="zkteco_adms", method=VERIFY_METHODS.get(verify if verify is not None else -1, "face"),
                verify=None if verify is None else str(verify),
                state=None if state is None else STATE_NAMES.get(state, str(state)),
            )
        )
    return out


def _int_field(fields: list[str], index: int) -> int | None:
    if index >= len(fields):
        return None
    value = fields[index].strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def options_reply(device: AdmsConfig, *, stamp: str | None, now: datetime) -> str:
    """The options a terminal reads at start: resume point, upload rules, time zone."""
    offset = ZoneInfo(device.timezone).utcoffset(now.replace(tzinfo=None))
    hours = offset.total_seconds() / 3600 if offset is not None else 0.0
    lines = [
        f"GET OPTION FROM: {device.serial}",
        f"ATTLOGStamp={stamp if stamp else 'None'}",
        "OPERLOGStamp=9999",  # operation logs (and the user data in them) are not wanted
        "ATTPHOTOStamp=9999",  # nor punch photos (face data stays on the terminal)
        "ErrorDelay=30",
        f"Delay={device.delay_s}",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        "TransFlag=TransData AttLog",
        f"TimeZone={int(hours) if hours.is_integer() else hours}",
        f"Realtime={1 if device.realtime else 0}",
        "Encrypt=None",
    ]
    return "\n".join(lines) + "\n"


def firmware_of(info: str | None) -> str | None:
    """The firmware version from a getrequest INFO parameter (its first comma-separated field)."""
    if not info:
        return None
    first = info.split(",", 1)[0].strip()
    return first[:100] or None
