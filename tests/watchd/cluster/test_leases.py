"""Device leases between nodes sharing a database: a fair split, no device on two nodes at once, a
dead node's devices taken over, a clean stop handing them back, a restart taking its own back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from watchd.app import Services
from watchd.cluster import LeaseKeeper
from watchd.settings.cluster import ClusterSettings

ITEMS = ["cam-1", "cam-2", "cam-3", "cam-4", "term-1"]
FAST = {"lease_seconds": 3.0, "heartbeat_seconds": 1.0}


class Floor:
    """Where every device runs, across all the nodes of a test; starting a device that runs
    elsewhere is the failure leases exist to prevent."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}
        self.starts: list[tuple[str, str]] = []


class FakeNodeWork:
    """A node's devices, recorded instead of run (the LeasedWork protocol)."""

    def __init__(self, floor: Floor, name: str, items: list[str] = ITEMS) -> None:
        self.floor, self.name, self.items = floor, name, items

    def lease_items(self) -> list[str]:
        return list(self.items)

    async def start_item(self, item: str) -> None:
        holder = self.floor.where.get(item)
        assert holder is None, f"{item} started on {self.name} while running on {holder}"
        self.floor.where[item] = self.name
        self.floor.starts.append((self.name, item))

    async def stop_item(self, item: str) -> None:
        assert self.floor.where.pop(item) == self.name

    def item_state(self, item: str) -> str:
        return "online"

    def mine(self) -> set[str]:
        return {i for i, n in self.floor.where.items() if n == self.name}


@pytest.fixture
def node(services: Services) -> Callable[..., tuple[LeaseKeeper, FakeNodeWork]]:
    floor = Floor()

    def make(name: str, items: list[str] = ITEMS) -> tuple[LeaseKeeper, FakeNodeWork]:
        work = FakeNodeWork(floor, name, items)
        return LeaseKeeper(services.db, ClusterSettings(node_name=name, **FAST), work), work

    return make


def ticks(*keepers: LeaseKeeper, rounds: int = 1) -> None:
    async def go() -> None:
        for _ in range(rounds):
            for k in keepers:
                await k.tick()

    asyncio.run(go())


def test_a_lone_node_runs_everything_at_once(node: Callable[..., tuple[LeaseKeeper, FakeNodeWork]]) -> None:
    keeper, work = node("alpha")
    ticks(keeper)
    assert work.mine() == set(ITEMS)


def test_two_nodes_split_the_devices_and_never_run_one_twice(
    node: Callable[..., tuple[LeaseKeeper, FakeNodeWork]],
) -> None:
    a, work_a = node("alpha")
    b, work_b = node("beta")
    ticks(a)
    assert work_a.mine() == set(ITEMS)
    ticks(b, a, b)  # beta joins; alpha gives back its surplus; beta takes it
    assert len(work_a.mine()) == 3 and len(work_b.mine()) == 2
    assert work_a.mine() | work_b.mine() == set(ITEMS)
    ticks(a, b, rounds=3)  # stable: nothing moves any more
    assert len(work_a.mine()) == 3 and len(work_b.mine()) == 2


def test_a_dead_nodes_devices_are_taken_over_after_the_lease(
    node: Callable[..., tuple[LeaseKeeper, FakeNodeWork]],
) -> None:
    a, work_a = node("alpha")
    b, work_b = node("beta")
    ticks(a, b, a, b)
    theirs = work_a.mine()
    assert theirs and work_b.mine()
    # alpha dies without a word: its process is gone, its rows stay.
    for item in theirs:
        work_a.floor.where.pop(item)
    died = time.monotonic()
    while work_b.mine() != set(ITEMS):
        assert time.monotonic() - died < FAST["lease_seconds"] + 2 * FAST["heartbeat_seconds"], "not taken over"
        ticks(b)
        time.sleep(FAST["heartbeat_seconds"] / 4)
    assert time.monotonic() - died >= FAST["lease_seconds"] - FAST["heartbeat_seconds"]  # not before it expired


def test_a_clean_stop_hands_the_devices_over_at_once(
    node: Callable[..., tuple[LeaseKeeper, FakeNodeWork]],
) -> None:
    a, work_a = node("alpha")
    b, work_b = node("beta")
    ticks(a, b, a, b)

    async def stop_alpha() -> None:
        stop = asyncio.Event()
        stop.set()
        await a.run(stop)  # the loop ends at once and hands everything back

    asyncio.run(stop_alpha())
    assert work_a.mine() == set()
    ticks(b)  # one heartbeat later, not a lease later
    assert work_b.mine() == set(ITEMS)


def test_a_restarted_node_takes_its_own_devices_back_without_waiting(
    node: Callable[..., tuple[LeaseKeeper, FakeNodeWork]],
) -> None:
    first, work = node("alpha")
    ticks(first)
    work.floor.where.clear()  # killed: nothing runs, the leases are still its own
    again, work_again = node("alpha")  # same name, same host, the old process gone
    ticks(again)
    assert work_again.mine() == set(ITEMS)


def test_a_node_that_cannot_reach_the_database_stops_its_devices_before_others_may_take_them(
    node: Callable[..., tuple[LeaseKeeper, FakeNodeWork]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, work_a = node("alpha")
    ticks(a)
    assert work_a.mine() == set(ITEMS)

    def unreachable(action: object) -> object:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(a, "_db", unreachable)
    ticks(a)
    assert work_a.mine() == set(ITEMS)  # one missed heartbeat: keep running
    time.sleep(FAST["lease_seconds"] - FAST["heartbeat_seconds"])
    ticks(a)
    assert work_a.mine() == set()  # stopped a heartbeat before the lease runs out in the database


def test_a_device_a_node_does_not_have_is_left_to_the_nodes_that_do(
    node: Callable[..., tuple[LeaseKeeper, FakeNodeWork]],
) -> None:
    a, work_a = node("alpha", ["cam-1", "cam-2"])
    b, work_b = node("beta", ["cam-1", "cam-2", "cam-3"])
    ticks(a, b, a, b, a, b)
    assert "cam-3" in work_b.mine()
    assert "cam-3" not in work_a.mine()
    assert work_a.mine() | work_b.mine() == {"cam-1", "cam-2", "cam-3"}


def test_a_face_enrolled_or_erased_on_another_node_reaches_this_nodes_gallery(
    make_services: Callable[..., Services],
) -> None:
    from tests.faces import OBAMA_TRAIN, kiosk_frame, photo_bytes

    here, there = make_services(), make_services()  # two nodes, one database
    probe = here.engine.analyze_enrollment(kiosk_frame("knn_examples/test/obama1.jpg")).encoding

    def who() -> str | None:
        return here.engine.match(probe).person_id

    assert here.people.refresh_gallery() is False  # nothing changed since it was loaded
    there.people.enroll("c001", [("obama.jpg", photo_bytes(OBAMA_TRAIN))])
    assert who() is None  # not yet: another node's enrolment
    assert here.people.refresh_gallery() is True
    assert who() == "c001"
    there.people.delete("c001")
    assert here.people.refresh_gallery() is True
    assert who() is None
