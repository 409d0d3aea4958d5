"""Leases of devices to nodes: with several watchd nodes on one PostgreSQL database, each camera and
terminal is run by exactly one of them, and a dead node's devices move to the others.

Every `heartbeat_seconds` a node renews its leases in one transaction and claims free or expired
ones up to its fair share (devices / live nodes); a node above its share stops the surplus first
and releases it afterwards, so two nodes never run a device at once on purpose. A node that
cannot renew (database unreachable) stops its devices before its leases can expire: another node
may take them then. On a clean stop the leases are handed back at once. A node that dies
without a word is noticed after `lease_seconds`, and its devices are running elsewhere one
heartbeat later (15 s + 5 s by default).

A single node (the SQLite default) takes all devices on its first heartbeat, also after a
restart: its own earlier run's leases are taken back without waiting for them to expire.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from devices.backoff import sleep_unless
from watchd.db.repositories.cluster import ClusterRepository, Exchange, NodeSelf
from watchd.db.session import Database
from watchd.services.people import PeopleService
from watchd.settings.cluster import ClusterSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
GALLERY_REFRESH_S = 10.0


class LeasedWork(Protocol):
    """What a node runs under leases (the device supervisor)."""

    def lease_items(self) -> list[str]: ...
    async def start_item(self, item: str) -> None: ...
    async def stop_item(self, item: str) -> None: ...
    def item_state(self, item: str) -> str: ...


def node_name(settings: ClusterSettings) -> str:
    return os.environ.get("WATCHD_NODE_NAME") or settings.node_name


def node_identity(settings: ClusterSettings) -> NodeSelf:
    name = node_name(settings)
    return NodeSelf(
        node_id=f"{name}/{uuid.uuid4().hex[:8]}", name=name, host=socket.gethostname(), pid=os.getpid(),
        started_at=datetime.now(UTC),
    )


class LeaseKeeper:
    def __init__(self, db: Database, settings: ClusterSettings, work: LeasedWork) -> None:
        self.db = db
        self.settings = settings
        self.work = work
        self.me = node_identity(settings)
        self.running: set[str] = set()
        self.live_nodes = 0
        self._valid_until = 0.0  # monotonic: stop everything when the leases may have expired
        self._failing = False
        self.ticks = 0

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.lease_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("node %s joins (lease %.0f s, heartbeat %.0f s)", self.me.node_id,
                 self.settings.lease_seconds, self.settings.heartbeat_seconds)
        try:
            while not stop.is_set():
                await self.tick()
                await sleep_unless(stop, self.settings.heartbeat_seconds)
        finally:
            await self._stop(set(self.running), "stopping")
            try:
                await asyncio.to_thread(self._db, lambda repo: repo.leave(self.me.node_id))
            except Exception as exc:  # the leases then expire on their own
                log.warning("node %s: leases not handed back (%s)", self.me.node_id, exc)
            log.info("node %s left", self.me.node_id)

    async def tick(self) -> None:
        started = time.monotonic()
        items = self.work.lease_items()
        states = {i: self.work.item_state(i) for i in self.running}
        try:
            exchange: Exchange = await asyncio.to_thread(
                self._db, lambda repo: repo.heartbeat(self.me, items, self.lease, states)
            )
        except Exception as exc:
            if not self._failing:
                log.error("node %s: cannot renew leases (%s)", self.me.node_id, exc)
            self._failing = True
            if self.running and time.monotonic() >= self._valid_until:
                await self._stop(set(self.running), "leases not renewed in time; another node may take over")
            return
        if self._failing:
            log.info("node %s: leases renewed again", self.me.node_id)
        self._failing = False
        # Expire locally a heartbeat before the database would, so a takeover never overlaps.
        self._valid_until = started + self.settings.lease_seconds - self.settings.heartbeat_seconds
        self.live_nodes, self.ticks = exchange.live_nodes, self.ticks + 1
        lost = self.running - exchange.held
        await self._stop(lost, "lease lost to another node")
        await self._stop(exchange.release & self.running, "rebalancing to other nodes")
        if exchange.release:
            await asyncio.to_thread(self._db, lambda repo: repo.release(self.me.node_id, exchange.release))
        for item in sorted(exchange.held - exchange.release - self.running):
            previous = exchange.taken_over.get(item)
            if previous:
                log.warning("node %s takes over %s from %s", self.me.node_id, item, previous)
            try:
                await self.work.start_item(item)
            except Exception:
                log.exception("node %s: %s did not start", self.me.node_id, item)
                continue
            self.running.add(item)

    async def _stop(self, items: set[str], why: str) -> None:
        for item in sorted(items):
            log.info("node %s stops %s: %s", self.me.node_id, item, why)
            try:
                await self.work.stop_item(item)
            except Exception:
                log.exception("node %s: %s did not stop cleanly", self.me.node_id, item)
            self.running.discard(item)

    def _db(self, action: Callable[[ClusterRepository], T]) -> T:
        with self.db.unit_of_work() as s:
            return action(ClusterRepository(s))


async def follow_gallery(people: PeopleService, stop: asyncio.Event, every_s: float = GALLERY_REFRESH_S) -> None:
    """Faces enrolled or erased through another node reach this node's gallery within `every_s`."""
    while not await sleep_unless(stop, every_s):
        try:
            await asyncio.to_thread(people.refresh_gallery)
        except Exception as exc:
            log.warning("face gallery not refreshed: %s", exc)
