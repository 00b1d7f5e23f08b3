"""``vigie runs``: recent runs per site with their monitors' verdict, as JSON and a table."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from typer.testing import CliRunner

from crawler.cli import app
from crawler.monitoring.monitor import run_monitors
from storage import Store

T0 = datetime(2018, 11, 1, 12)


def test_runs_json_and_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    store = Store(url)
    store.upgrade()
    for day in range(3):
        run = store.start_run("bazaar", "bazaar", T0 + timedelta(days=day))
        store.finish_run(run, "complete", stats={"vigie/items/listing": 50, "response_received_count": 60})
    bad = store.start_run("bazaar", "bazaar", T0 + timedelta(days=3))
    store.finish_run(bad, "partial", "partial: 2 page(s) lost", missing=["http://x/1", "http://x/2"],
                     stats={"vigie/items/listing": 40, "response_received_count": 38, "log_count/ERROR": 9})
    run_monitors(store, bad)
    store.finish_run(store.start_run("feed", "feed", T0), "complete", stats={})
    store.dispose()

    result = CliRunner().invoke(app, ["runs", "--db", url, "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["site"], r["run_id"]) for r in rows] == [("bazaar", bad), ("bazaar", bad - 1), ("feed", bad + 1)]
    latest = rows[0]
    assert (latest["status"], latest["pages"], latest["items"], latest["errors"], latest["lost_pages"]) == \
        ("partial", 38, 40, 9, 2)
    assert latest["completeness"] == round(38 / 40, 4)
    assert latest["degraded"] is True and set(latest["failed_monitors"]) == {"finish_reason", "errors"}
    assert rows[1]["degraded"] is None                      # never monitored

    table = CliRunner().invoke(app, ["runs", "--db", url, "--site", "bazaar"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "degraded: finish_reason, errors" in table.stdout and "95%" in table.stdout
    empty = CliRunner().invoke(app, ["runs", "--db", url, "--site", "nocturne"])
    assert empty.exit_code == 0 and "no runs recorded for nocturne" in empty.output
