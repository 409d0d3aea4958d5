"""Alembic migrations, run programmatically (at start and by `watchd migrate`).

The revisions form one line, 0001 -> 0002 -> ... Until revision 0009 they did not: 0002-0008 each
branched off 0001 and 0009 joined them, so a database written then may record several of them in
`alembic_version` (one row per head), or one of them whose meaning was "0001 and this one", not "0001
up to this one". `repair_old_branches` finds out from the tables which of those revisions a database
really has, applies the ones it lacks below the newest it has, and records that one alone; from there
Alembic continues along the line.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

log = logging.getLogger(__name__)

# The revisions that branched off 0001 before 0009 joined them, each with a table it creates.
OLD_BRANCHES: dict[str, str] = {
    "0002": "terminal_user_maps",
    "0003": "attendance_days",
    "0004": "incidents",
    "0005": "camera_events",
    "0006": "duty_assignments",
    "0007": "audit_log",
    "0008": "cluster_nodes",
}


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    repair_old_branches(engine)
    command.upgrade(alembic_config(engine), revision)


def recorded_revisions(connection: Connection) -> set[str]:
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def repair_old_branches(engine: Engine) -> None:
    """Bring a database written by the branched chain onto the line (see the module's text)."""
    with engine.begin() as connection:
        recorded = recorded_revisions(connection)
        if not recorded or not recorded <= {"0001", *OLD_BRANCHES}:
            return  # a new database, or one past the join
        tables = set(inspect(connection).get_table_names())
        present = [rev for rev, table in OLD_BRANCHES.items() if table in tables]
        if not present:
            return
        newest = max(present)
        missing = [rev for rev in OLD_BRANCHES if rev < newest and rev not in present]
        if recorded == {newest} and not missing:
            return
        scripts = ScriptDirectory.from_config(alembic_config(engine))
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            for rev in missing:
                log.info("applying revision %s, which the branched chain had left out", rev)
                script = scripts.get_revision(rev)
                assert script is not None and script.module is not None
                script.module.upgrade()
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": newest})
        log.info("recorded revisions %s are now revision %s of the line", sorted(recorded), newest)
