"""Alembic environment: always runs on a connection handed over by ``Store.upgrade()``."""
from __future__ import annotations

from alembic import context

from storage.db import make_engine
from storage.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:   # plain `alembic` command line use: VIGIE_DB_URL or the default
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
