"""The revisions form one line, and `upgrade` brings every database there: a new one, one at the
old join 0009, and one the branched chain left at several heads or at one branch alone. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from tests.watchd.db.old_chain import OLD_HEADS, old_branched_database
from watchd.db.base import Base
from watchd.db.migrate import MIGRATIONS, recorded_revisions, upgrade
from watchd.db.session import build_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = build_engine(database_url)
    yield engine
    engine.dispose()


def head() -> str:
    (only,) = ScriptDirectory(str(MIGRATIONS)).get_heads()
    return only


def state(engine: Engine) -> tuple[set[str], set[str]]:
    with engine.connect() as connection:
        return recorded_revisions(connection), set(inspect(connection).get_table_names())


def every_table() -> set[str]:
    return set(Base.metadata.tables) | {"alembic_version"}


def test_the_revisions_form_one_line() -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    chain = [s.revision for s in scripts.walk_revisions()][::-1]
    assert chain[:9] == [f"{n:04d}" for n in range(1, 10)]
    for script in scripts.walk_revisions():
        assert not isinstance(script.down_revision, tuple), f"{script.revision} joins several revisions"
    assert len(scripts.get_bases()) == 1 and len(scripts.get_heads()) == 1


def test_a_new_database_reaches_the_head(engine: Engine) -> None:
    upgrade(engine)
    assert state(engine) == ({head()}, every_table())


def test_a_database_at_the_old_join_continues(engine: Engine) -> None:
    upgrade(engine, "0009")
    upgrade(engine)
    assert state(engine) == ({head()}, every_table())


def test_a_database_at_every_old_head_continues(engine: Engine) -> None:
    old_branched_database(engine, OLD_HEADS)
    assert state(engine)[0] == set(OLD_HEADS)
    upgrade(engine)
    assert state(engine) == ({head()}, every_table())


@pytest.mark.parametrize("applied", [("0002", "0005"), ("0007",), ("0003", "0008")])
def test_a_database_at_some_old_heads_gets_the_rest(engine: Engine, applied: tuple[str, ...]) -> None:
    old_branched_database(engine, applied)
    with engine.begin() as connection:  # a row written then must survive
        connection.execute(text("INSERT INTO sites (id, name, kind) VALUES ('bayan', '巴音嘎查', 'village')"))
    upgrade(engine)
    assert state(engine) == ({head()}, every_table())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM sites")).scalar_one() == "巴音嘎查"


def test_a_database_partway_along_the_line_is_left_as_it_is(engine: Engine) -> None:
    upgrade(engine, "0004")
    upgrade(engine)
    assert state(engine) == ({head()}, every_table())
