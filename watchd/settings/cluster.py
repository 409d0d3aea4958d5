"""Several nodes on one PostgreSQL database: node names and device leases."""

from __future__ import annotations

import socket

from pydantic import Field, model_validator

from watchd.settings.base import ConfigModel


class ClusterSettings(ConfigModel):
    node_name: str = Field(
        default_factory=socket.gethostname, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.:-]+$",
        title="Node name",
        description="Unique per node sharing a database (default: the host name). WATCHD_NODE_NAME overrides it. "
        "A restarted node takes its own leases back at once.",
    )
    lease_seconds: float = Field(
        15.0, ge=3.0, le=300.0, title="Lease time",
        description="A node that has not renewed its device leases for this long is taken for dead and its "
        "cameras and terminals go to the other nodes.",
    )
    heartbeat_seconds: float = Field(
        5.0, ge=0.5, le=100.0, title="Heartbeat",
        description="How often a node renews its leases and looks for devices without a node.",
    )

    @model_validator(mode="after")
    def verify_timing(self) -> ClusterSettings:
        if self.heartbeat_seconds * 2 > self.lease_seconds:
            raise ValueError("heartbeat_seconds must be at most half of lease_seconds")
        return self
