"""Shared fixtures.

PostgreSQL and Redis tests use the real services.  Outside CI a missing service skips
those tests with the reason; under ``CI=true`` a missing service is a failure.
"""
from __future__ import annotations

import os
import socket

import pytest

PG_URL = os.environ.get("VIGIE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VIGIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _service_missing(what: str, reason: str):
    if IN_CI:
        pytest.fail(f"{what} is required in CI (CI=true) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"{what} unavailable ({reason}); start it or set the URL to run these tests")


def _port_open(host: str, port: int) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"{host}:{port}: {exc}"


@pytest.fixture(scope="session")
def pg_url() -> str:
    import sqlalchemy as sa
    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        _service_missing("PostgreSQL", f"{PG_URL}: {exc.__class__.__name__}: {exc}")
    return PG_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    err = _port_open("127.0.0.1", 6379) if REDIS_URL.startswith("redis://127.0.0.1:6379") else None
    if err is None:
        try:
            import redis
            redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            err = f"{REDIS_URL}: {exc}"
    if err:
        _service_missing("Redis", err)
    return REDIS_URL


@pytest.fixture(scope="session")
def world_config():
    """A small world that still has every event inside its period."""
    from mock_sites.world.config import WorldConfig
    return WorldConfig(seed=11, days=30, n_actors=40, exit_day=18, takedown_day=26,
                       downtime={"nocturne": (5,), "vault": (12,)}, layout_change={"bazaar": 8},
                       captcha_days={"vault": (10,)}, relocation_day=15, posts_per_day=40,
                       session_max_requests=60)


@pytest.fixture(scope="session")
def world(world_config):
    from mock_sites.world import World
    return World(world_config)


@pytest.fixture()
def running_world(world_config, world):
    from mock_sites.server import serve_world
    with serve_world(world_config, day=0, world=world) as running:
        yield running


@pytest.fixture()
def vault_credentials(monkeypatch, world_config):
    monkeypatch.setenv("VIGIE_VAULT_USER", world_config.vault_username)
    monkeypatch.setenv("VIGIE_VAULT_PASSWORD", world_config.vault_password)
    return world_config.vault_username, world_config.vault_password
