"""Loads an appraisal round for bench/reports.py: every cadre of the loaded township appraised,
`households` households on the villagers' roll (each paired with a cadre of its village, most visited
in the month), 60 % of them voted (five cadres of their village rated on each ballot), and a committee
roll of five members per village who all voted."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from watchd.app import Services
from watchd.db.models import Household, Pairing, Visit
from watchd.db.repositories.appraisal import AppraisalRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.domain.appraisal import POINTS
from watchd.services.appraisal import NewRound
from watchd.services.auth import Principal

TURNOUT = 0.6
RATED_PER_BALLOT = 5


def load_appraisal(
    services: Services, households: int, villages: int, month: date, now: datetime
) -> dict[str, int]:
    rng = random.Random(17)
    with services.db.read() as s:
        people = PeopleRepository(s)
        cadres_of: dict[str, list[str]] = {}
        for pid, sites in people.villages_of([r.id for r in people.rows()]).items():
            for site in sites:
                cadres_of.setdefault(site, []).append(pid)
    rnd = services.appraisal.create_round(
        Principal(0, "bench", "admin"),
        NewRound(
            name="2026年3月",
            period_start=month,
            period_end=month.replace(day=31),
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=7),
        ),
    )
    village_ids = [f"v{i:03d}" for i in range(villages)]
    roll: list[dict[str, Any]] = [
        {"entry_id": f"H{i:06d}", "name": f"户主{i}", "site_id": village_ids[i % villages], "phone": None}
        for i in range(households)
    ]
    committee: list[dict[str, Any]] = [
        {"entry_id": f"W{v}{j}", "name": f"委员{j}", "site_id": v, "phone": None}
        for v in village_ids
        for j in range(5)
    ]
    grades = list(POINTS.values())
    ballots, scores = [], []

    def vote(group: str, site: str) -> None:
        ballot_id = secrets.token_hex(16)
        ballots.append({"id": ballot_id, "round_id": rnd.id, "rater_group": group})
        for cadre in rng.sample(cadres_of[site], min(RATED_PER_BALLOT, len(cadres_of[site]))):
            scores.append(
                {
                    "ballot_id": ballot_id,
                    "cadre_id": cadre,
                    "round_id": rnd.id,
                    "rater_group": group,
                    "points": rng.choice(grades),
                }
            )

    voted = [e for e in roll if rng.random() < TURNOUT]
    for e in voted:
        vote("villagers", e["site_id"])
    for e in committee:
        vote("committee", e["site_id"])
    created = datetime(month.year, month.month, 1, tzinfo=now.tzinfo) - timedelta(days=1)
    with services.db.unit_of_work() as s:
        repo = AppraisalRepository(s)
        repo.replace_roll(rnd.id, "villagers", roll)
        repo.replace_roll(rnd.id, "committee", committee)
        s.execute(
            insert(Household),
            [
                {
                    "id": e["entry_id"],
                    "name": e["name"],
                    "site_id": e["site_id"],
                    "address": "",
                    "phone": None,
                    "updated_at": created,
                }
                for e in roll
            ],
        )
        pairs = [
            {
                "person_id": rng.choice(cadres_of[e["site_id"]]),
                "household_id": e["entry_id"],
                "created_at": created,
                "ended_at": None,
            }
            for e in roll
        ]
        s.execute(insert(Pairing), pairs)
        s.execute(
            insert(Visit),
            [
                {
                    "person_id": p["person_id"],
                    "household_id": p["household_id"],
                    "visited_at": created + timedelta(days=rng.randint(2, 28)),
                    "note": "",
                    "photo_path": None,
                    "latitude": None,
                    "longitude": None,
                    "client_key": None,
                    "created_at": created,
                    "recorded_by": p["person_id"],
                }
                for p in pairs
                if rng.random() < 0.9
            ],
        )
        repo.store_ballots(ballots, scores)
    return {"round_id": rnd.id, "households": households, "ballots": len(ballots), "scores": len(scores)}
