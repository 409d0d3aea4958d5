"""Databases as the branched chain (0002-0008 each off 0001, 0009 joining them) left them."""

from __future__ import annotations

from collections.abc import Iterable

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from watchd.db.migrate import alembic_config, upgrade

OLD_HEADS = ("0002", "0003", "0004", "0005", "0006", "0007", "0008")


def old_branched_database(engine: Engine, applied: Iterable[str]) -> None:
    """0001 and the given branch revisions applied, each recorded as its own head, as the old chain did."""
    applied = list(applied)
    upgrade(engine, "0001")
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        for rev in applied:
            script = scripts.get_revision(rev)
            assert script is not None
            script.module.upgrade()
        connection.execute(text("DELETE FROM alembic_version"))
        for rev in applied:
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": rev})
