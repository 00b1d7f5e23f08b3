"""``vigie schedule crontab`` and ``vigie schedule run-due`` exit codes (no crawl needed:
nothing due, a busy lease, bad input)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import tomli_w
from typer.testing import CliRunner

from crawler.cli import app
from schedules.lease import site_lease
from storage import Store

NOW = "2018-11-05T12:00:00+00:00"


@pytest.fixture()
def setup(tmp_path):
    targets = tmp_path / "targets.toml"
    auth = {"owner": "o", "reference": "r", "scope": ["127.0.0.1:9"], "expires": "2099-01-01"}
    targets.write_text(tomli_w.dumps({"operator": {"contact": "ops@test.invalid"}, "target": [
        {"key": k, "spider": k, "base_urls": ["http://127.0.0.1:9/"], "authorisation": auth,
         "schedule": {"cron": "0 6 * * 1-5", "timezone": "Europe/Brussels"}} for k in ("bazaar", "feed")]}))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    store.upgrade()
    for key in ("bazaar", "feed"):      # both crawled after Monday 5 Nov 06:00 Brussels
        store.finish_run(store.start_run(key, key, datetime(2018, 11, 5, 8, tzinfo=timezone.utc)), "complete")
    return targets, url, store


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_crontab_prints_one_entry_per_target(setup):
    targets, url, _ = setup
    result = invoke("schedule", "crontab", "--targets", targets, "--db", url, "--vigie", "/opt/vigie/bin/vigie")
    assert result.exit_code == 0, result.output
    entries = [l for l in result.stdout.splitlines() if l.startswith("0 6 * * 1-5 ")]
    assert [e.split("--site ")[1].split()[0] for e in entries] == ["bazaar", "feed"]
    assert "CRON_TZ=Europe/Brussels" in result.stdout


def test_run_due_nothing_due_busy_and_bad_input(setup):
    targets, url, store = setup
    result = invoke("schedule", "run-due", "--targets", targets, "--db", url, "--now", NOW, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["due"] == []

    tuesday = "2018-11-06T06:30:00+00:00"                  # 07:30 in Brussels: both due again
    with site_lease(store.engine, "bazaar", 600):
        result = invoke("schedule", "run-due", "--targets", targets, "--db", url, "--now", tuesday,
                        "--site", "bazaar", "--json")
    out = json.loads(result.stdout)
    assert result.exit_code == 7 and out["due"] == ["bazaar"] and out["runs"][0]["status"] == "busy"

    assert invoke("schedule", "run-due", "--targets", targets, "--db", url, "--site", "nowhere").exit_code == 4
    assert invoke("schedule", "run-due", "--targets", targets, "--db", url, "--now", "Tuesday").exit_code == 4
    assert invoke("schedule", "run-due", "--targets", targets.with_name("missing.toml"), "--db", url).exit_code == 4
    celery = invoke("schedule", "run-due", "--targets", targets, "--db", url, "--now", tuesday,
                    "--executor", "celery")
    assert celery.exit_code == 4 and "PostgreSQL" in celery.output


def test_serve_keeps_its_jobs_in_the_database_and_stops_on_sigterm(setup, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    import sqlalchemy as sa
    targets, url, store = setup
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "schedule", "serve", "--targets", str(targets),
                             "--db", url], stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        jobs = []
        for _ in range(600):                                  # until the scheduler has stored its jobs
            with store.engine.connect() as conn:
                jobs = conn.execute(sa.text("SELECT id, next_run_time FROM apscheduler_jobs ORDER BY id")).all()
            if len(jobs) == 2 or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert [j.id for j in jobs] == ["bazaar", "feed"] and all(j.next_run_time for j in jobs)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, errors = proc.communicate(timeout=60)
    assert proc.returncode == 0, errors
    assert "bazaar: cron[" in errors and "stopping" in errors
