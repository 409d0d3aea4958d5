"""Storing ballots so that nothing links them to who cast them.

A vote is accepted in one unit of work that marks the code used (or records that the login voted)
and puts the ballot into the pool: durable, and exactly once. The pool row holds no code, roll entry,
person or time, but it shares its transaction with the code's update (in PostgreSQL the rows' xmin),
so it may not stay there: once a round's pool holds `mix_batch` ballots, and for whatever is left at
the round's close, `flush` moves the whole pool in one transaction into the ballots table, in a
shuffled order and under fresh random ids (secrets), and deletes the pool rows. After that every
ballot of a batch has the same transaction, a random id, no timestamp, and a position in storage
that is a random permutation of the batch: neither the order nor the transaction of storage can
re-link a ballot to a code, a household or a login. (Anyone watching the database's write-ahead log
or the server's memory during the vote sees more; that is watching the ballot box, outside what the
stored tables can protect.) On SQLite the flush sets `secure_delete`, so the deleted pool rows are
overwritten on disk.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import text
from sqlalchemy.orm import Session

from watchd.db.repositories.appraisal import AppraisalRepository

log = logging.getLogger(__name__)
_rng = secrets.SystemRandom()


def flush_pool(session: Session, round_id: int) -> int:
    """Move the round's pool into the ballots table, shuffled, with new random ids; the number moved."""
    repo = AppraisalRepository(session)
    repo.round(round_id, for_update=True)  # one flush at a time per round (PostgreSQL; SQLite's write lock)
    pooled = list(repo.pooled(round_id))
    if not pooled:
        return 0
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))
    _rng.shuffle(pooled)
    ballots, scores = [], []
    for p in pooled:
        ballot_id = secrets.token_hex(16)
        ballots.append({"id": ballot_id, "round_id": round_id, "rater_group": p.rater_group})
        scores += [
            {
                "ballot_id": ballot_id,
                "cadre_id": cadre,
                "round_id": round_id,
                "rater_group": p.rater_group,
                "points": points,
            }
            for cadre, points in sorted(p.scores.items())
        ]
    repo.drop_pooled([p.id for p in pooled])
    repo.store_ballots(ballots, scores)
    log.info("appraisal round %d: %d ballots mixed into storage", round_id, len(ballots))
    return len(ballots)
