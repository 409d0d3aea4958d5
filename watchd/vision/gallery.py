"""The enrolled face templates, matched against a probe in one vectorised operation.

A probe is compared with every template at once in float32: |t|^2 - 2 t.q for all templates is
one matrix-vector product plus the precomputed squared norms. That gives the
nearest template, and the nearest template of any other person. The few people that can still
be first or second are then re-measured in float64 exactly as face_recognition.face_distance
does, so reported distances and the tolerance decision are face_recognition's own.

Readers never lock: every change builds a new immutable snapshot and swaps one reference.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

#: Length of a face_recognition encoding.
DIMENSIONS: Final = 128
#: float32 squared distances are good to ~1e-6 of the squared norms involved; people within this
#: (relative) slack of the runner-up are re-measured exactly, so float32 never changes the ranking.
_REFINE_SLACK: Final = 1e-4


@dataclass(frozen=True, slots=True)
class Match:
    """person_id is set only for an accepted match; candidate is the nearest person in any case."""

    person_id: str | None
    distance: float | None
    second_distance: float | None
    candidate: str | None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    people: tuple[str, ...]  # one entry per person, in group order
    exact: npt.NDArray[np.float64]  # (N, 128), templates grouped by person
    scan: npt.NDArray[np.float32]  # (N, 128): the templates in float32, for the scan
    sq_norms: npt.NDArray[np.float32]  # (N,)
    starts: npt.NDArray[np.intp]  # (P + 1,) first row of each person, then N
    owner: npt.NDArray[np.intp]  # (N,) person index of each row
    max_sq_norm: float


def _matrix(encodings: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """A finite (n, 128) float64 copy; one (128,) encoding counts as n = 1."""
    matrix = np.array(encodings, dtype=np.float64, copy=True)
    if matrix.size == 0:
        return np.zeros((0, DIMENSIONS), dtype=np.float64)
    matrix = np.atleast_2d(matrix)
    if matrix.ndim != 2 or matrix.shape[1] != DIMENSIONS:
        raise ValueError(f"expected (n, {DIMENSIONS}) encodings, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("encodings must be finite")
    return matrix


def _snapshot(row_people: Sequence[str], matrix: npt.NDArray[np.float64]) -> _Snapshot:
    if matrix.shape[0] != len(row_people):
        raise ValueError(f"{len(row_people)} person ids for {matrix.shape[0]} encodings")
    people, owner = np.unique(np.asarray(row_people, dtype=str), return_inverse=True)
    order = np.argsort(owner, kind="stable")
    owner = owner[order].astype(np.intp)
    exact = np.ascontiguousarray(matrix[order])
    sq_norms = np.einsum("ij,ij->i", exact, exact).astype(np.float32)
    starts = np.searchsorted(owner, np.arange(len(people) + 1)).astype(np.intp)
    return _Snapshot(
        people=tuple(str(p) for p in people),
        exact=exact,
        scan=exact.astype(np.float32),
        sq_norms=sq_norms,
        starts=starts,
        owner=owner,
        max_sq_norm=float(sq_norms.max(initial=0.0)),
    )


class Gallery:
    """Face templates of the enrolled people; thread-safe, readers lock-free."""

    def __init__(self, *, tolerance: float, margin: float) -> None:
        if tolerance <= 0.0 or margin < 0.0:
            raise ValueError(f"bad tolerance {tolerance} or margin {margin}")
        self.tolerance = tolerance
        self.margin = margin
        self._write_lock = threading.Lock()
        self._snap = _snapshot([], _matrix([]))

    def __len__(self) -> int:
        """The number of templates (a person may have several)."""
        return int(self._snap.exact.shape[0])

    @property
    def people(self) -> frozenset[str]:
        return frozenset(self._snap.people)

    def replace(self, person_ids: Sequence[str], encodings: npt.ArrayLike) -> None:
        """The whole gallery: row i of encodings belongs to person_ids[i]."""
        snap = _snapshot(list(person_ids), _matrix(encodings))
        with self._write_lock:
            self._snap = snap

    def add(self, person_id: str, encodings: npt.ArrayLike) -> None:
        """More templates for a person (one (128,) encoding or an (n, 128) array)."""
        new = _matrix(encodings)
        with self._write_lock:
            old = self._snap
            rows = [old.people[i] for i in old.owner] + [person_id] * new.shape[0]
            self._snap = _snapshot(rows, np.concatenate([old.exact, new]))

    def remove(self, person_id: str) -> None:
        """All templates of a person; nothing happens if there are none."""
        with self._write_lock:
            old = self._snap
            if person_id not in old.people:
                return
            keep = old.owner != old.people.index(person_id)
            self._snap = _snapshot([old.people[i] for i in old.owner[keep]], old.exact[keep])

    def match(self, encoding: npt.ArrayLike) -> Match:
        """Accept the nearest person if closer than tolerance and by margin closer than any other."""
        probe = np.asarray(encoding, dtype=np.float64)
        if probe.shape != (DIMENSIONS,) or not np.isfinite(probe).all():
            raise ValueError(f"expected a finite ({DIMENSIONS},) encoding, got shape {probe.shape}")
        snap = self._snap
        if not snap.people:
            return Match(None, None, None, None)
        # Squared distance minus |probe|^2, for every template at once.
        scores = snap.sq_norms + snap.scan @ (-2.0 * probe).astype(np.float32)
        nearest_row = int(np.argmin(scores))
        person = int(snap.owner[nearest_row])
        start, end = int(snap.starts[person]), int(snap.starts[person + 1])
        others = [part for part in (scores[:start], scores[end:]) if part.size]
        close = np.array([person], dtype=np.intp)
        if others:
            runner_up = min(float(part.min()) for part in others)
            slack = _REFINE_SLACK * (1.0 + snap.max_sq_norm + float(probe @ probe))
            close = np.union1d(close, snap.owner[np.flatnonzero(scores <= runner_up + slack)])
        best, second = _exact_top_two(snap, close, probe)
        best_distance, best_person = best
        accepted = best_distance < self.tolerance and (
            second is None or second[0] - best_distance >= self.margin
        )
        return Match(
            person_id=snap.people[best_person] if accepted else None,
            distance=best_distance,
            second_distance=None if second is None else second[0],
            candidate=snap.people[best_person],
        )


def _exact_top_two(
    snap: _Snapshot, people: npt.NDArray[np.intp], probe: npt.NDArray[np.float64]
) -> tuple[tuple[float, int], tuple[float, int] | None]:
    """(distance, person) of the nearest and the runner-up among `people`, measured in float64."""
    rows = np.concatenate([np.arange(snap.starts[p], snap.starts[p + 1]) for p in people])
    distances = np.linalg.norm(snap.exact[rows] - probe, axis=1)  # as face_recognition.face_distance
    nearest: dict[int, float] = {}
    for person, distance in zip(snap.owner[rows].tolist(), distances.tolist(), strict=True):
        if distance < nearest.get(person, np.inf):
            nearest[person] = distance
    ranked = sorted((d, p) for p, d in nearest.items())
    return ranked[0], (ranked[1] if len(ranked) > 1 else None)
