"""Runs on bad days end with the right status and reason, close nothing they did not see,
and ``vigie crawl`` reports it in its exit code; an expired authorisation starts no run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.test_crawl_support import TEST_BUYER_KEY, crawl_day, day_str, query

ROOT = Path(__file__).resolve().parent.parent
# (day, site, status, words in the reason), in crawl-clock order
CASES = [
    (4, "nocturne", "complete", None),
    (5, "nocturne", "partial", "HTTP 503"),         # downtime
    (10, "vault", "blocked", "CAPTCHA"),
    (12, "vault", "partial", "HTTP 503"),           # downtime
    (18, "bazaar", "partial", "HTTP 502"),          # exit scam: the site answers 502
    (26, "vault", "blocked", "seizure"),            # takedown banner
]


@pytest.fixture(scope="module")
def bad_days(world_config, world, tmp_path_factory):
    from mock_sites.server import serve_world
    tmp = tmp_path_factory.mktemp("bad-days")
    url = f"sqlite:///{tmp / 'vigie.db'}"
    results = {}
    with serve_world(world_config, day=0, world=world) as running:
        for day, site, status, _ in CASES:
            assert (world.day_view(day).sites[site].status == "up") == (status == "complete")
            (result,) = crawl_day(running, day, [site], url, tmp, jobs=1)
            results[(day, site)] = result
    engine = sa.create_engine(url)
    yield engine, results
    engine.dispose()


@pytest.mark.reliability
@pytest.mark.parametrize("day, site, status, words", CASES)
def test_status_and_reason(bad_days, world, day, site, status, words):
    engine, results = bad_days
    r = results[(day, site)]
    assert (r.status, r.exit_code) == (status, {"complete": 0, "partial": 1, "blocked": 2}[status])
    runs = {day_str(d): row for d, *row in query(engine, "SELECT day, status, reason, missing FROM v_runs "
                                                         "WHERE site = :s", s=site)}
    db_status, reason, missing = runs[str(world.day_view(day).date)]
    assert db_status == status
    if words:
        assert words in r.reason and words in reason
    if status == "partial":
        assert json.loads(missing), "a partial run lists the URLs it could not fetch"


@pytest.mark.reliability
def test_a_partial_day_closes_nothing(bad_days, world):
    """Nocturne is down on day 5: what it showed on day 4 is carried forward, flagged partial."""
    engine = bad_days[0]
    d4, d5 = world.day_view(4).date, world.day_view(5).date
    day4 = query(engine, "SELECT listing_id FROM v_listing_daily WHERE site = 'nocturne' AND day = :d", d=d4)
    day5 = query(engine, "SELECT listing_id, partial_day FROM v_listing_daily WHERE site = 'nocturne' AND day = :d",
                 d=d5)
    assert day4 and sorted(lid for lid, _ in day5) == sorted(lid for lid, in day4)
    assert all(bool(p) for _, p in day5)
    assert query(engine, "SELECT count(*) FROM listing_versions WHERE valid_to IS NOT NULL") == [(0,)]


def _vigie(*args, env=None):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


@pytest.mark.reliability
def test_expired_authorisation_is_refused_with_exit_code_4_and_no_run(tmp_path, world_config):
    import os
    targets = tmp_path / "targets.toml"
    targets.write_text(f"""[operator]
contact = "mailto:t@example.org"
[[target]]
key = "bazaar"
spider = "bazaar"
base_urls = ["http://127.0.0.1:9/"]
[target.authorisation]
owner = "tests"
reference = "AUTH-7"
scope = ["127.0.0.1:9"]
expires = 2001-01-01
""")
    db = f"sqlite:///{tmp_path / 'v.db'}"
    env = {**os.environ, "VIGIE_BUYER_KEY": TEST_BUYER_KEY}
    proc = _vigie("crawl", "bazaar", "--targets", str(targets), "--db", db, "--json",
                  "--spool-dir", str(tmp_path / "spool"), env=env)
    assert proc.returncode == 4, proc.stderr
    (result,) = json.loads(proc.stdout)
    assert result["status"] == "refused" and "AUTH-7" in result["reason"] and "expired on 2001-01-01" in result["reason"]
    engine = sa.create_engine(db)
    assert query(engine, "SELECT count(*) FROM crawl_runs") == [(0,)]
    engine.dispose()
