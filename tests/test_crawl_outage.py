"""A crawl whose database is unreachable loses nothing: the run is kept in its spool file
(exit code 5) and ``vigie drain`` writes it once the database is back."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.test_crawl_support import TEST_BUYER_KEY, crawl_day, query

ROOT = Path(__file__).resolve().parent.parent
SITE = "bazaar"


@pytest.mark.reliability
def test_database_down_during_the_whole_crawl_then_drained(world_config, world, tmp_path, monkeypatch):
    from mock_sites.server import serve_world
    monkeypatch.setenv("VIGIE_DRAIN_WAIT", "1")
    down = f"sqlite:///{tmp_path / 'no-such-dir' / 'vigie.db'}"      # cannot be opened: "unreachable"
    with serve_world(world_config, day=2, sites=(SITE,), world=world) as running:
        (result,) = crawl_day(running, 2, [SITE], down, tmp_path, jobs=1)
    assert (result.status, result.spooled, result.exit_code, result.run_id) == ("complete", True, 5, None)
    spooled = list((tmp_path / "spool" / SITE).glob("*.jsonl"))
    assert len(spooled) == 1 and spooled[0].stat().st_size > 0

    up = f"sqlite:///{tmp_path / 'vigie.db'}"
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "drain", "--db", up, "--spool-dir",
                           str(tmp_path / "spool")], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "VIGIE_BUYER_KEY": TEST_BUYER_KEY})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not list((tmp_path / "spool" / SITE).glob("*.jsonl"))
    engine = sa.create_engine(up)
    (status, key, n_listings, n_quarantined), = query(engine, "SELECT status, run_key, n_listings, n_quarantined "
                                                             "FROM v_runs")
    assert (status, key) == ("complete", result.run_key)
    truth = [l for l in world.day_view(2).listings if l.site == SITE]
    assert n_listings == len(truth) and n_quarantined == result.quarantined == 0
    assert result.items > 0
    engine.dispose()
