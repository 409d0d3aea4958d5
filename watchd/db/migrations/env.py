"""Alembic environment: the engine is handed over by watchd.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import watchd.db.models  # noqa: F401  (registers the tables)
from watchd.db.base import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `watchd migrate`, which supplies the engine")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
