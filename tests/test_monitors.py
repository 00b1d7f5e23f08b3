"""Monitors after a run: thresholds, stored verdict, alerts (log, JSON file, webhook, SMTP)."""
from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta

import pytest

from crawler.monitoring.config import MonitoringConfig
from crawler.monitoring.monitor import MonitorError, run_monitors
from crawler.targets import TargetsError, parse_targets
from storage import Store

T0 = datetime(2018, 11, 1, 12)


@pytest.fixture()
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'm.db'}")
    s.upgrade()
    yield s
    s.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_run(store, day: int, items: int, status="complete", layout="v1", **stats) -> int:
    run = store.start_run("bazaar", "bazaar", T0 + timedelta(days=day))
    store.finish_run(run, status, None if status == "complete" else f"{status}: test",
                     stats={"vigie/items/listing": items, f"bazaar/layout/{layout}": 3, **stats})
    return run


def test_healthy_history_passes_and_is_stored(store):
    for day in range(4):
        run = add_run(store, day, 100)
    report = run_monitors(store, run)
    assert not report.degraded and report.alerts == []
    assert {c.monitor for c in report.checks} >= {"finish_reason", "item_count", "quarantine_rate", "errors",
                                                  "retries", "layout"}
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("select degraded from run_health where run_id = ?", (run,)).scalar() == 0
        n = conn.exec_driver_sql("select count(*) from monitor_results where run_id = ?", (run,)).scalar()
    assert n == len(report.checks)


def test_item_drop_and_layout_change_degrade_and_alert_everywhere(store, tmp_path, httpserver):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    mails = []

    class Keep(Message):
        def handle_message(self, message):
            mails.append(message)

    port = free_port()
    smtp = Controller(Keep(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
        cfg = MonitoringConfig.model_validate({"alerts": {
            "json_file": str(tmp_path / "alerts.jsonl"), "webhook": httpserver.url_for("/hook"),
            "email": {"host": "127.0.0.1", "port": port,
                      "sender": "vigie@test.invalid", "to": ["ops@test.invalid"]}}})
        for day in range(3):
            add_run(store, day, 100)
        run = add_run(store, 3, 20, layout="v2")
        report = run_monitors(store, run, cfg)
        again = run_monitors(store, run, cfg)                # re-run: same verdict, no second alert
    finally:
        smtp.stop()
    assert report.degraded and {c.monitor for c in report.failed} == {"item_count", "layout"}
    assert report.alerts == [["log", "sent"], ["json_file", "sent"], ["webhook", "sent"], ["email", "sent"]]
    assert again.degraded and again.alerts == []
    (request, _),  = httpserver.log
    body = request.get_json()
    assert body["run_id"] == run and body["site"] == "bazaar"
    assert [f["monitor"] for f in body["failed"]] == ["item_count", "layout"]
    assert json.loads((tmp_path / "alerts.jsonl").read_text()) == body
    assert len(mails) == 1 and "degraded run" in mails[0]["Subject"]


def test_status_errors_and_quarantine_thresholds(store):
    run = add_run(store, 0, 10, status="partial", **{"log_count/ERROR": 9, "retry/count": 3})
    report = run_monitors(store, run, MonitoringConfig(alerts={"log": False}))
    failed = {c.monitor for c in report.failed}
    assert failed == {"finish_reason", "errors"}          # too little history to judge the item count


def test_a_failing_alert_channel_is_reported_not_raised(store):
    for day in range(3):
        add_run(store, day, 100)
    run = add_run(store, 3, 0)
    cfg = MonitoringConfig(alerts={"log": False, "webhook": "http://127.0.0.1:9/nothing-listens"})
    report = run_monitors(store, run, cfg)
    assert report.degraded and report.alerts[0][0] == "webhook" and report.alerts[0][1] != "sent"


def test_bad_input_is_a_clear_error(store):
    with pytest.raises(MonitorError, match="no crawl run 999"):
        run_monitors(store, 999)
    running = store.start_run("bazaar", "bazaar", T0)
    with pytest.raises(MonitorError, match="still running"):
        run_monitors(store, running)
    store.finish_run(running, "complete", stats={})
    with pytest.raises(MonitorError, match="unknown field"):
        run_monitors(store, running, MonitoringConfig(coverage={"listing": {"colour": 0.5}}))
    base = {"operator": {"contact": "ops@test.invalid"}}
    assert parse_targets(base).monitoring.max_item_drop == 0.5
    with pytest.raises(TargetsError, match="monitoring.max_item_drop"):
        parse_targets({**base, "monitoring": {"max_item_drop": 2}})
