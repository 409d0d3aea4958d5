"""Configuration of a ZKTeco terminal that pushes its punches to watchd (ADMS / iclock protocol)."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from devices.config_base import DeviceConfigBase
from devices.terminal import DeviceZone


def _network(value: str) -> str:
    try:
        return str(ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address or network (e.g. 192.168.2.0/24)") from None


IpNetwork = Annotated[str, AfterValidator(_network)]


class AdmsConfig(DeviceConfigBase):
    """A terminal set to "cloud server" mode pointing at watchd; it is known by its serial number only.

    The ADMS protocol has no authentication: anyone who knows a registered serial number can post
    punches as that terminal. Keep the endpoint on the township network and set `allow_ips`.
    """

    kind: Literal["zkteco_adms"] = Field(
        title="Kind", description="ZKTeco terminal pushing over ADMS (/iclock/cdata, /iclock/getrequest)."
    )
    serial: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", title="Serial number",
        description="The terminal's serial number (SN=... in its requests). Requests from other serials are refused.",
    )
    allow_ips: tuple[IpNetwork, ...] = Field(
        (), max_length=64, title="Allowed addresses",
        description="Addresses or networks (CIDR) the terminal may call from; empty: any. Strongly recommended, "
        "since the protocol authenticates by serial number only.",
    )
    timezone: DeviceZone = Field(
        "Asia/Shanghai", title="Device time zone",
        description="Time zone of the terminal's clock; its punch times carry no zone.",
    )
    offline_after_s: int = Field(
        300, ge=30, le=86400, title="Offline after",
        description="The terminal counts as offline when it has not called for this many seconds.",
    )
    delay_s: int = Field(
        30, ge=5, le=3600, title="Heartbeat interval",
        description="Seconds between the terminal's calls for commands (sent to it as Delay=).",
    )
    realtime: bool = Field(
        True, title="Real-time upload", description="Ask the terminal to upload each punch at once (Realtime=1)."
    )
    verify_codes: tuple[int, ...] = Field(
        (), max_length=32, title="Counted verification modes",
        description="Only punches verified in these ways are stored (15 face, 1 fingerprint, 4 card, 3 password); "
        "empty: every punch.",
    )
