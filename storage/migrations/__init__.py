"""Alembic migrations, configured in code (``storage.migrations.alembic_config``)."""
from __future__ import annotations

from pathlib import Path

from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(connection=None) -> Config:
    """An Alembic ``Config`` without an ini file; ``connection`` is used by env.py."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg
