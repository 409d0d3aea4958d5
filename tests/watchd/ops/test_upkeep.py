"""The upkeep checks raise and clear the administrator's notices: the data directory's disk, the TLS
certificate's expiry, terminal users mapped to nobody, and nodes that stopped beating. Through the
notice service's listing, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import update

from tests.helpers.clocks import FakeClock
from tests.watchd.punches.conftest import TERMINALS, punch
from watchd.app import Services
from watchd.cluster import node_identity
from watchd.db.models import NodeRecord
from watchd.db.repositories.cluster import ClusterRepository, db_now
from watchd.ops.upkeep import DiskUsage, Upkeep
from watchd.settings.cluster import ClusterSettings


def upkeep(services: Services, *, free: float = 0.5, node: str = "node-a") -> Upkeep:
    total = 100 * 10**9
    return Upkeep(
        services.db, services.config.settings, services.config.data_dir, services.notices,
        services.punches.unknown_users, services.clock, node_name=node,
        disk_probe=lambda _path: DiskUsage(total, int(total * (1 - free)), int(total * free)),
    )


def open_notices(services: Services) -> dict[tuple[str, str], str]:
    return {(n.kind, n.subject): n.text for n in services.notices.active()}


def certificate(path: Path, not_after: datetime) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "watch.example.cn")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(not_after - timedelta(days=365)).not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_disk_filling_raises_a_notice_and_space_freed_clears_it(services: Services) -> None:
    upkeep(services, free=0.04).run()
    ((kind, subject), text), = open_notices(services).items()
    assert (kind, subject) == ("disk_low", str(services.config.data_dir))
    assert "仅剩 4.0%（4.0 GB）" in text and "[retention]" in text
    upkeep(services, free=0.30).run()
    assert open_notices(services) == {}


def test_a_certificate_expiring_soon_raises_a_notice(
    make_services: Callable[..., Services], clock: FakeClock, tmp_path: Path
) -> None:
    cert = certificate(tmp_path / "server.pem", clock() + timedelta(days=12, hours=1))
    services = make_services(server={"tls_cert": str(cert), "tls_key": str(tmp_path / "server.key")})
    upkeep(services).run()
    assert open_notices(services) == {("certificate_expiring", str(cert)): (
        f"HTTPS 证书 {cert} 将于 2026-12-05 到期（还剩 12 天）：请在到期前换上新证书（[server] tls_cert、tls_key）"
        "并重启 watchd，否则签到平板无法打开摄像头"
    )}
    certificate(cert, clock() + timedelta(days=400))  # replaced
    upkeep(services).run()
    assert open_notices(services) == {}
    cert.write_text("not a certificate", encoding="utf-8")
    upkeep(services).run()
    assert "无法读取 HTTPS 证书" in open_notices(services)[("certificate_expiring", str(cert))]


def test_an_expired_certificate_says_so(make_services: Callable[..., Services], clock: FakeClock, tmp_path: Path) -> None:
    cert = certificate(tmp_path / "server.pem", clock() - timedelta(days=2))
    services = make_services(server={"tls_cert": str(cert), "tls_key": str(tmp_path / "server.key")})
    upkeep(services).run()
    assert "已于 2026-11-21 过期" in open_notices(services)[("certificate_expiring", str(cert))]


def test_unmapped_terminal_users_raise_a_notice_until_mapped(make_services: Callable[..., Services]) -> None:
    devices: list[dict[str, Any]] = [{"id": "kiosk-bayan", "kind": "kiosk_web", "site": "bayan"}, *TERMINALS]
    services = make_services(devices=devices)
    services.punches.ingest("zk-bayan", [punch("1001", "2026-11-23 08:20:00", name="乌云"),
                                         punch("1001", "2026-11-23 08:05:00", name="乌云")])
    upkeep(services).run()
    assert open_notices(services) == {("unmapped_terminal_users", "zk-bayan"): (
        "考勤终端 zk-bayan 上的工号 1001（乌云）未对应到人员，其 2 次打卡不计入考勤：请在人员对应（/api/terminals/mappings，"
        "见 docs/terminals.md）中把工号对应到人员或设为忽略"
    )}
    services.punches.set_mapping("zk-bayan", "1001", "c002")
    upkeep(services).run()
    assert open_notices(services) == {}


def test_a_node_that_stops_beating_raises_a_notice_until_it_is_back(services: Services) -> None:
    other = node_identity(ClusterSettings(node_name="node-b"))
    with services.db.unit_of_work() as s:
        ClusterRepository(s).heartbeat(other, [], timedelta(seconds=15), {})
    upkeep(services).run()
    assert open_notices(services) == {}  # node-b beats
    with services.db.unit_of_work() as s:  # ... and then its machine dies (the database's clock counts)
        s.execute(update(NodeRecord).where(NodeRecord.name == "node-b")
                  .values(heartbeat_at=db_now(s) - timedelta(minutes=10)))
    upkeep(services).run()
    (text,) = open_notices(services).values()
    assert text.startswith(f"节点 node-b（{other.host}）自 ") and "systemctl status watchd" in text
    assert ("node_lost", "node-a") not in open_notices(services)  # this node never reports itself
    with services.db.unit_of_work() as s:  # back
        ClusterRepository(s).heartbeat(node_identity(ClusterSettings(node_name="node-b")), [], timedelta(seconds=15), {})
    upkeep(services).run()
    assert open_notices(services) == {}
