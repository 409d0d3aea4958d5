"""After villagers vote, nothing stored links a ballot to a code, a household or a phone: the ballot
tables hold no such column and no timestamp, no other table holds a ballot's id, and neither the
order of storage nor (in PostgreSQL) the storing transaction follows the order of voting.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Date, DateTime, inspect, select, text

from tests.api.appraisal_township import Township, household_roll, open_township
from tests.conftest import FakeClock
from watchd.app import Services
from watchd.db.base import Base
from watchd.db.models import AppraisalBallot, AppraisalScore

#: Ten distinct ballots, in the order they are cast; each identifies its voter in this test.
PATTERNS = [
    (a, b)
    for a in ("excellent", "competent", "basic", "incompetent")
    for b in ("excellent", "basic", "incompetent")
][:10]
POINTS = {"excellent": 100, "competent": 80, "basic": 60, "incompetent": 40}


@pytest.fixture
def town(make_services: Callable[..., Services], admin_headers_for: Any, clock: FakeClock) -> Township:
    return open_township(make_services, admin_headers_for, clock)


def test_no_stored_row_links_a_ballot_to_its_code_or_household(town: Township, clock: FakeClock) -> None:
    rnd = town.new_round()
    town.import_roll(rnd["id"], "villagers", household_roll(10, phones=True))
    slips = town.slips(rnd["id"])
    cast_order = []
    for slip, (a, b) in zip(slips, PATTERNS, strict=True):
        assert town.vote(slip["code"], {"c001": a, "c003": b}).status_code == 201
        cast_order.append((POINTS[a], POINTS[b]))
        clock.advance(minutes=3)
    assert town.round(rnd["id"])["pooled"] == 0  # ten ballots: one full batch, mixed into storage

    ballot_columns = {c.name for c in AppraisalBallot.__table__.columns}
    score_columns = {c.name for c in AppraisalScore.__table__.columns}
    assert ballot_columns == {"id", "round_id", "rater_group"}
    assert score_columns == {"ballot_id", "cadre_id", "round_id", "rater_group", "points"}
    for table in (AppraisalBallot.__table__, AppraisalScore.__table__):
        assert not any(isinstance(c.type, DateTime | Date) for c in table.columns)

    engine = town.services.db.engine
    secrets_ = {s["code"] for s in slips} | {s["code"].replace("-", "") for s in slips}
    households = {s["entry_id"] for s in slips}
    phones = {f"139000000{i:02d}" for i in range(1, 11)}
    with engine.connect() as conn:
        ballot_ids = set(conn.scalars(select(AppraisalBallot.id)))
        assert len(ballot_ids) == 10 and all(len(b) == 32 for b in ballot_ids)
        for table in Base.metadata.sorted_tables:
            if table.name not in inspect(engine).get_table_names():
                continue
            for row in conn.execute(select(table)):
                values = {str(v) for v in row if v is not None}
                assert not values & secrets_, table.name  # no code in clear anywhere
                if table.name in {"appraisal_ballots", "appraisal_scores"}:
                    assert not values & (households | phones), table.name
                elif table.name != "appraisal_scores":
                    assert not values & ballot_ids, table.name  # nothing else refers to a ballot

        if engine.dialect.name == "postgresql":
            order = "ctid"
            xmins = set(conn.scalars(text("SELECT xmin::text FROM appraisal_ballots")))
            code_xmins = set(conn.scalars(text("SELECT xmin::text FROM appraisal_codes")))
            assert len(xmins) == 1 and not xmins & code_xmins  # one mixing transaction, none of a vote's
        else:
            order = "rowid"
        stored = (
            conn.execute(text(f"SELECT b.id FROM appraisal_ballots b ORDER BY b.{order}")).scalars().all()
        )
        by_ballot: dict[str, dict[str, int]] = {}
        for ballot_id, cadre, points in conn.execute(
            text("SELECT ballot_id, cadre_id, points FROM appraisal_scores")
        ):
            by_ballot.setdefault(ballot_id, {})[cadre] = points
    stored_order = [(by_ballot[b]["c001"], by_ballot[b]["c003"]) for b in stored]
    assert sorted(stored_order) == sorted(cast_order)
    # A random permutation of ten equals the voting order with probability 1/3,628,800.
    assert stored_order != cast_order
