"""Upkeep checks that raise notices for the administrator: disk space of the data directory, the
TLS certificate's expiry, terminal users not mapped to people, and nodes that stopped beating.

Each check is a small function from what it looks at to notices (active, or clearing); `Upkeep.run`
reports them to the notice service, which keeps one row per condition and sends it once. The
scheduler runs it every `[notices] check_every_minutes` on the one node holding the scheduler lock.
"""

from __future__ import annotations

import logging
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from cryptography import x509

from watchd.db.repositories.cluster import NodeView, cluster_status
from watchd.db.session import Database
from watchd.domain.notices import Notice, NoticeKind
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
MAX_LISTED_USERS = 5


class Notices(Protocol):
    """The notice service (watchd.services.notices) as the checks use it; ops does not import services."""

    def sync(self, kind: NoticeKind, current: Iterable[Notice], *, clear: Callable[[str], bool] | None = None) -> None: ...
    def send_due(self) -> int: ...


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


DiskProbe = Callable[[Path], DiskUsage]


class TerminalUser(Protocol):
    """A device user with punches but no person (watchd/services/punches.py UnknownUser)."""

    @property
    def device_id(self) -> str: ...
    @property
    def device_user(self) -> str: ...
    @property
    def user_name(self) -> str | None: ...
    @property
    def punches(self) -> int: ...


def disk_usage(path: Path) -> DiskUsage:
    total, used, free = shutil.disk_usage(path)
    return DiskUsage(total, used, free)


def disk_notice(data_dir: Path, min_free_percent: float, now: datetime, probe: DiskProbe = disk_usage) -> Notice:
    usage = probe(data_dir)
    free_percent = 100.0 * usage.free / usage.total if usage.total else 100.0
    low = free_percent < min_free_percent
    text = (
        f"数据目录 {data_dir} 所在磁盘仅剩 {free_percent:.1f}%（{usage.free / 1e9:.1f} GB）：请在配置文件 [retention] "
        "中缩短照片保存天数、降低 [camera_watch] max_disk_mb，或为该磁盘扩容"
    ) if low else ""
    return Notice(
        kind=NoticeKind.disk_low, subject=str(data_dir), observed_at=now, active=low, text=text,
        details={"free_percent": round(free_percent, 1), "free_bytes": usage.free, "total_bytes": usage.total},
    )


def certificate_expiry(path: Path) -> datetime:
    """The notAfter of the first certificate in a PEM file (the server's own, before the chain)."""
    return x509.load_pem_x509_certificate(path.read_bytes()).not_valid_after_utc


def certificate_notice(path: Path | None, warn_days: int, now: datetime, zone: ZoneInfo) -> Notice | None:
    """None without a certificate configured; else the notice (active when it expires within `warn_days`)."""
    if path is None:
        return None
    try:
        expires = certificate_expiry(path)
    except (OSError, ValueError) as exc:
        return Notice(
            kind=NoticeKind.certificate_expiring, subject=str(path), observed_at=now,
            text=f"无法读取 HTTPS 证书 {path}（{type(exc).__name__}）：请检查配置文件 [server] tls_cert 指向的证书文件",
            details={"error": str(exc)[:200]},
        )
    left = expires - now
    active = left < timedelta(days=warn_days)
    when = expires.astimezone(zone).strftime("%Y-%m-%d")
    if not active:
        text = ""
    elif left <= timedelta(0):
        text = f"HTTPS 证书 {path} 已于 {when} 过期，签到平板无法打开摄像头：请换上新证书（[server] tls_cert、tls_key）后重启 watchd"
    else:
        text = (
            f"HTTPS 证书 {path} 将于 {when} 到期（还剩 {left.days} 天）：请在到期前换上新证书（[server] tls_cert、"
            "tls_key）并重启 watchd，否则签到平板无法打开摄像头"
        )
    return Notice(
        kind=NoticeKind.certificate_expiring, subject=str(path), observed_at=now, active=active, text=text,
        details={"expires_at": expires.isoformat(), "days_left": left.days},
    )


def unmapped_notices(users: Sequence[TerminalUser], now: datetime) -> list[Notice]:
    """One notice per terminal with device users whose punches count for nobody."""
    by_device: dict[str, list[TerminalUser]] = defaultdict(list)
    for u in users:
        by_device[u.device_id].append(u)
    out = []
    for device_id, rows in sorted(by_device.items()):
        listed = "、".join(f"{u.device_user}{f'（{u.user_name}）' if u.user_name else ''}" for u in rows[:MAX_LISTED_USERS])
        more = f"等{len(rows)}个" if len(rows) > MAX_LISTED_USERS else ""
        out.append(Notice(
            kind=NoticeKind.unmapped_terminal_users, subject=device_id, observed_at=now,
            text=(
                f"考勤终端 {device_id} 上的工号 {listed}{more}未对应到人员，其 {sum(u.punches for u in rows)} 次打卡不计入"
                "考勤：请在人员对应（/api/terminals/mappings，见 docs/terminals.md）中把工号对应到人员或设为忽略"
            ),
            details={"users": len(rows), "punches": sum(u.punches for u in rows)},
        ))
    return out


def lost_nodes(nodes: Sequence[NodeView], own_name: str, zone: ZoneInfo, now: datetime) -> tuple[list[Notice], set[str]]:
    """Notices for node names with no live instance (this node's name is alive), and the live names."""
    alive = {n.name for n in nodes if n.alive} | {own_name}
    last_seen: dict[str, NodeView] = {}
    for n in nodes:
        if n.name not in alive and (n.name not in last_seen or n.heartbeat_at > last_seen[n.name].heartbeat_at):
            last_seen[n.name] = n
    notices = [
        Notice(
            kind=NoticeKind.node_lost, subject=name, observed_at=now,
            text=(
                f"节点 {name}（{n.host}）自 {n.heartbeat_at.astimezone(zone).strftime('%m-%d %H:%M')} 起失去联系，"
                "其摄像头和考勤终端已由其他节点接管：请检查该服务器和 watchd 服务（systemctl status watchd）"
            ),
            details={"host": n.host, "last_heartbeat_at": n.heartbeat_at.isoformat()},
        )
        for name, n in sorted(last_seen.items())
    ]
    return notices, alive


class Upkeep:
    """Runs every check and reports to the notice service; then sends what waits for working hours."""

    def __init__(
        self, db: Database, settings: Settings, data_dir: Path, notices: Notices,
        unknown_users: Callable[[], Sequence[TerminalUser]], clock: Callable[[], datetime], *,
        node_name: str, disk_probe: DiskProbe = disk_usage,
    ) -> None:
        self.db = db
        self.settings = settings
        self.data_dir = data_dir
        self.notices = notices
        self.unknown_users = unknown_users
        self.clock = clock
        self.node_name = node_name
        self.disk_probe = disk_probe

    def run(self) -> int:
        """Check everything, report, send; the number of notices sent now."""
        config, now, zone = self.settings.notices, self.clock(), self.settings.zone
        checks: list[tuple[str, Callable[[], None]]] = [
            ("disk", lambda: self.notices.sync(NoticeKind.disk_low, [
                disk_notice(self.data_dir, config.disk_free_min_percent, now, self.disk_probe)])),
            ("certificate", lambda: self._certificate(now)),
            ("terminal users", lambda: self.notices.sync(
                NoticeKind.unmapped_terminal_users, unmapped_notices(self.unknown_users(), now))),
            ("nodes", lambda: self._nodes(now, zone)),
        ]
        for name, check in checks:
            try:
                check()
            except Exception:  # one broken check must not hide the others
                log.exception("upkeep check %s failed", name)
        return self.notices.send_due()

    def _certificate(self, now: datetime) -> None:
        cert = certificate_notice(
            self.settings.server.tls_cert, self.settings.notices.certificate_warn_days, now, self.settings.zone
        )
        self.notices.sync(NoticeKind.certificate_expiring, [cert] if cert is not None else [])

    def _nodes(self, now: datetime, zone: ZoneInfo) -> None:
        with self.db.read() as s:
            nodes, _ = cluster_status(s, timedelta(seconds=self.settings.cluster.lease_seconds))
        lost, alive = lost_nodes(nodes, self.node_name, zone, now)
        # A node whose row was forgotten (a day after it died) stays noticed until it comes back.
        self.notices.sync(NoticeKind.node_lost, lost, clear=lambda name: name in alive)
