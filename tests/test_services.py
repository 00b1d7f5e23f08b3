"""The services CI provides are reachable for real (PostgreSQL for storage, Redis for the
Celery executor). Outside CI these skip with the reason when a service is absent."""
import sqlalchemy as sa


def test_postgresql_answers(pg_url):
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("show server_version")).scalar_one()
    engine.dispose()
    assert int(version.split(".")[0]) >= 12


def test_redis_answers(redis_url):
    import redis
    client = redis.Redis.from_url(redis_url)
    client.set("vigie:test:ping", "1", ex=10)
    assert client.get("vigie:test:ping") == b"1"
