"""Node heartbeats and work leases. Every exchange is one short transaction that locks only the
lease rows it changes (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write lock otherwise)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from watchd.db.models.cluster import NodeRecord, WorkLease
from watchd.db.repositories.idempotent import dialect_insert

FORGET_NODES_AFTER = timedelta(days=1)  # dead nodes' rows are kept this long for the status page


@dataclass(frozen=True, slots=True)
class NodeSelf:
    node_id: str  # "name/instance"
    name: str
    host: str
    pid: int
    started_at: datetime

    def outlived(self, other: NodeRecord) -> bool:
        """`other` is this node's own earlier run: same name and host, and its process is gone."""
        if other.name != self.name or other.host != self.host or other.node_id == self.node_id:
            return False
        try:
            os.kill(other.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return other.pid == self.pid  # the same pid: a container restarted with its process numbering


@dataclass(slots=True)
class Exchange:
    """The outcome of one heartbeat: what this node holds now and what it must hand back."""

    held: set[str] = field(default_factory=set)
    release: set[str] = field(default_factory=set)  # held, but above the fair share: stop, then release
    live_nodes: int = 1
    taken_over: dict[str, str] = field(default_factory=dict)  # item -> previous holder


def db_now(session: Session) -> datetime:
    """The database's clock on PostgreSQL (the nodes' clocks may disagree); ours on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        value = session.execute(text("SELECT clock_timestamp()")).scalar_one()
        assert isinstance(value, datetime)
        return value.astimezone(UTC)
    return datetime.now(UTC)


class ClusterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert_ignore(self, model: type[NodeRecord] | type[WorkLease], rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        self.session.execute(dialect_insert(self.session, model).values(rows).on_conflict_do_nothing())

    def heartbeat(
        self, me: NodeSelf, items: Iterable[str], lease: timedelta, states: Mapping[str, str]
    ) -> Exchange:
        """Renew this node's leases, take back a predecessor's, claim free ones up to a fair share."""
        s = self.session
        now = db_now(s)
        wanted = sorted(set(items))
        node = s.get(NodeRecord, me.node_id)
        if node is None:
            s.add(NodeRecord(node_id=me.node_id, name=me.name, host=me.host, pid=me.pid, started_at=me.started_at, heartbeat_at=now))
        else:
            node.heartbeat_at = now
        self._insert_ignore(WorkLease, [{"item": i, "generation": 0, "state": ""} for i in wanted])
        s.execute(delete(NodeRecord).where(NodeRecord.heartbeat_at < now - FORGET_NODES_AFTER))
        s.flush()

        out = Exchange()
        # Mine, and my own earlier run's (restarted, so there is no need to wait for its leases to expire).
        earlier = [n.node_id for n in s.scalars(select(NodeRecord).where(NodeRecord.name == me.name)) if me.outlived(n)]
        if earlier:  # dead: neither counted as live nor kept
            s.execute(delete(NodeRecord).where(NodeRecord.node_id.in_(earlier)))
        mine = s.scalars(
            select(WorkLease).where(or_(WorkLease.node_id == me.node_id, WorkLease.node_id.in_(earlier)))
            .order_by(WorkLease.item).with_for_update()
        ).all()
        for row in mine:
            if row.item not in wanted:  # not in this node's configuration (any more)
                self._free(row)
                continue
            if row.node_id != me.node_id:
                out.taken_over[row.item] = row.node_id or ""
                self._take(row, me, now, lease)
            row.expires_at = now + lease
            row.state = states.get(row.item, row.state)[:40]
            out.held.add(row.item)

        live = s.scalar(
            select(func.count()).select_from(NodeRecord).where(NodeRecord.heartbeat_at > now - lease)
        ) or 1
        out.live_nodes = int(live)
        share = math.ceil(len(wanted) / out.live_nodes) if wanted else 0
        if len(out.held) < share:
            free = s.scalars(
                select(WorkLease)
                .where(WorkLease.item.in_(wanted), or_(WorkLease.node_id.is_(None), WorkLease.expires_at <= now))
                .order_by(WorkLease.item).limit(share - len(out.held)).with_for_update(skip_locked=True)
            ).all()
            for row in free:
                if row.node_id:
                    out.taken_over[row.item] = row.node_id
                self._take(row, me, now, lease)
                out.held.add(row.item)
        elif len(out.held) > share:
            out.release = set(sorted(out.held)[share:])
        return out

    def _take(self, row: WorkLease, me: NodeSelf, now: datetime, lease: timedelta) -> None:
        row.node_id, row.acquired_at, row.expires_at = me.node_id, now, now + lease
        row.generation += 1
        row.state = ""

    def _free(self, row: WorkLease) -> None:
        row.node_id, row.expires_at, row.state = None, None, ""

    def release(self, node_id: str, items: Iterable[str]) -> None:
        """Hand items back at once (they are already stopped here)."""
        self.session.execute(
            update(WorkLease).where(WorkLease.node_id == node_id, WorkLease.item.in_(list(items)))
            .values(node_id=None, expires_at=None, state="").execution_options(synchronize_session=False)
        )

    def leave(self, node_id: str) -> None:
        """A clean stop: every lease goes back and the node is no longer counted."""
        self.session.execute(
            update(WorkLease).where(WorkLease.node_id == node_id)
            .values(node_id=None, expires_at=None, state="").execution_options(synchronize_session=False)
        )
        self.session.execute(delete(NodeRecord).where(NodeRecord.node_id == node_id))


@dataclass(frozen=True, slots=True)
class NodeView:
    node_id: str
    name: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    alive: bool
    items: list[str]


@dataclass(frozen=True, slots=True)
class LeaseView:
    item: str
    node_id: str | None
    expires_at: datetime | None
    acquired_at: datetime | None
    generation: int
    state: str
    held: bool  # leased and not expired


def cluster_status(session: Session, lease: timedelta) -> tuple[list[NodeView], list[LeaseView]]:
    now = db_now(session)
    leases = [
        LeaseView(
            r.item, r.node_id, r.expires_at, r.acquired_at, r.generation, r.state,
            held=r.node_id is not None and r.expires_at is not None and r.expires_at > now,
        )
        for r in session.scalars(select(WorkLease).order_by(WorkLease.item))
    ]
    nodes = [
        NodeView(
            n.node_id, n.name, n.host, n.pid, n.started_at, n.heartbeat_at, alive=n.heartbeat_at > now - lease,
            items=[lv.item for lv in leases if lv.node_id == n.node_id and lv.held],
        )
        for n in session.scalars(select(NodeRecord).order_by(NodeRecord.name, NodeRecord.started_at))
    ]
    return nodes, leases
