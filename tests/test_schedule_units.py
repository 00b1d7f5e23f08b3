"""Schedules without crawling: cron → triggers (weekdays, zones, jitter), crontab lines,
what is due from the database, exit-code rules."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from crawler.targets import Schedule, TargetsError, parse_targets
from schedules.due import due_targets
from schedules.jobs import EXIT_BUSY, EXIT_DEGRADED, SiteRun, overall_exit_code
from schedules.triggers import cron_trigger, crontab_days, crontab_lines
from storage import Store

UTC = timezone.utc


def targets(*schedules: dict):
    return parse_targets({"operator": {"contact": "ops@test.invalid"}, "target": [
        {"key": f"site{i}", "spider": "bazaar", "base_urls": ["http://127.0.0.1:1/"], "schedule": s,
         "authorisation": {"owner": "o", "reference": "r", "scope": ["127.0.0.1:1"], "expires": "2099-01-01"}}
        for i, s in enumerate(schedules)]})


def fires(trigger, start: datetime, n: int) -> list[datetime]:
    out, prev = [], None
    now = start
    for _ in range(n):
        nxt = trigger.get_next_fire_time(prev, now)
        out.append(nxt)
        prev, now = nxt, nxt + timedelta(seconds=1)
    return out


def test_crontab_weekdays_mean_what_cron_means():
    assert crontab_days("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_days("0") == crontab_days("7") == crontab_days("sun") == "sun"
    assert crontab_days("*/2") == "tue,thu,sat,sun"          # cron: 0,2,4,6
    assert crontab_days("5-7") == "fri,sat,sun"
    trig = cron_trigger(Schedule(cron="30 2 * * 1"), jitter=False)       # Mondays 02:30 UTC
    got = fires(trig, datetime(2018, 11, 1, tzinfo=UTC), 2)             # 1 Nov 2018 is a Thursday
    assert got == [datetime(2018, 11, 5, 2, 30, tzinfo=UTC), datetime(2018, 11, 12, 2, 30, tzinfo=UTC)]


def test_time_zone_and_jitter():
    trig = cron_trigger(Schedule(cron="0 3 * * *", timezone="Europe/Brussels", jitter=600))
    assert trig.jitter == 600
    plain = cron_trigger(Schedule(cron="0 3 * * *", timezone="Europe/Brussels"), jitter=False)
    first = fires(plain, datetime(2018, 11, 1, tzinfo=UTC), 1)[0]
    assert first.astimezone(UTC) == datetime(2018, 11, 1, 2, 0, tzinfo=UTC)    # CET = UTC+1
    assert first.tzinfo == ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize("cron,tz,match", [("0 3 * *", "UTC", "5 fields"), ("0 25 * * *", "UTC", "site0"),
                                           ("0 3 * * 8", "UTC", "day of week"),
                                           ("0 3 * * *", "Mars/Olympus", "time zone")])
def test_bad_schedules_name_the_target(cron, tz, match):
    tf = targets({"cron": cron, "timezone": tz})
    with pytest.raises(TargetsError, match=match):
        cron_trigger(tf.target[0].schedule, tf.target[0].key)


def test_crontab_lines_run_due_per_site():
    tf = targets({"cron": "15 4 * * 1-5"}, {"cron": "0 */6 * * *", "timezone": "Europe/Brussels", "jitter": 120})
    lines = crontab_lines(tf.target, "/etc/vigie/targets.toml", "postgresql+psycopg://db/vigie", "/usr/bin/vigie")
    entries = [line for line in lines if line and not line.startswith("#")]
    assert entries == [
        "15 4 * * 1-5 /usr/bin/vigie schedule run-due --targets /etc/vigie/targets.toml --site site0 "
        "--db postgresql+psycopg://db/vigie",
        "CRON_TZ=Europe/Brussels",
        "0 */6 * * * /usr/bin/vigie schedule run-due --targets /etc/vigie/targets.toml --site site1 "
        "--db postgresql+psycopg://db/vigie --jitter 120",
        "CRON_TZ=UTC"]


def test_due_from_last_runs_coalesces_missed_fire_times(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'due.db'}")
    store.upgrade()
    tf = targets({"cron": "0 6 * * *"}, {"cron": "0 6 * * *"}, {"cron": "0 6 * * *"})
    last = datetime(2018, 11, 1, 6, 0, 5, tzinfo=UTC)
    for key, at in (("site0", last), ("site1", last + timedelta(days=3))):
        store.finish_run(store.start_run(key, "bazaar", at), "complete")
    now = datetime(2018, 11, 4, 7, 0, tzinfo=UTC)          # site0 missed three fire times
    due = {d.target.key: d for d in due_targets(tf.target, store.engine, now)}
    assert set(due) == {"site0", "site2"}                   # site1 ran after today's 06:00; site2 never ran
    assert due["site0"].fire_time == datetime(2018, 11, 2, 6, tzinfo=UTC) and due["site2"].last_run is None
    assert due_targets(tf.target[:1], store.engine, datetime(2018, 11, 1, 12, tzinfo=UTC)) == []
    store.dispose()


def test_exit_code_is_the_worst_site():
    ok = SiteRun("a", "complete", 0)
    assert overall_exit_code([]) == overall_exit_code([ok]) == 0
    assert overall_exit_code([ok, SiteRun("b", "complete", 0, degraded=True)]) == EXIT_DEGRADED
    assert overall_exit_code([SiteRun("b", "busy", EXIT_BUSY), SiteRun("c", "partial", 1)]) == 1
    assert overall_exit_code([SiteRun("c", "partial", 1, degraded=True), SiteRun("d", "failed", 3)]) == 3
    assert overall_exit_code([SiteRun("e", "refused", 4), SiteRun("d", "failed", 3)]) == 4
