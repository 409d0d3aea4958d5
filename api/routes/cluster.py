"""Which node runs which camera and terminal (several nodes on one PostgreSQL database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter

from api.access import P, allowed
from api.deps import ServicesDep
from watchd.db.repositories.cluster import LeaseView, NodeView, cluster_status

router = APIRouter(prefix="/api", tags=["cluster"])


@dataclass(frozen=True, slots=True)
class ClusterOut:
    nodes: list[NodeView]
    leases: list[LeaseView]


@router.get("/cluster", dependencies=[allowed(P.cluster_read)], response_model=ClusterOut)
def cluster(services: ServicesDep) -> ClusterOut:
    """Nodes (alive: heartbeat within the lease time) and the device leases: holder, expiry, state."""
    lease = timedelta(seconds=services.config.settings.cluster.lease_seconds)
    with services.db.read() as s:
        nodes, leases = cluster_status(s, lease)
    return ClusterOut(nodes=nodes, leases=leases)
