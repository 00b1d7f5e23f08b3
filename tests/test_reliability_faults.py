"""Faults: a crawl of the mock world through 5xx, slow, cut and dropped responses completes
with every item of the truth, or ends ``partial`` listing exactly the pages it lost; pages
that never answer leave the run partial with those pages listed and close nothing; a crawl
killed (SIGKILL) or stopped (SIGTERM) mid-run and resumed with the same JOBDIR loses and
doubles nothing; a database that goes away mid-run loses nothing.

Every crawl is a real run (``crawler.run.run_target`` in a child process, with the
pipeline, the spool, the WARC archive and the database), over real HTTP on loopback.
"""
from __future__ import annotations

import json
import os
import signal
import time
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from mock_sites.world.config import Faults
from storage import Store
from tests.reliability_support import (crawl_clock, read_progress, record_figures, run_crawl, serve_site,
                                       start_crawl, targets_text)
from tests.test_crawl_support import (feedback_shown, feedback_true, listings_shown, listings_true, query,
                                      vendors_shown, vendors_true)

pytestmark = pytest.mark.reliability

DAY = 2                                  # every site is up on day 2 of the test world
CLIENT_TIMEOUT = 1.5                     # the targets' politeness.timeout, seconds
FAULTS = Faults(error_rate=0.10, slow_rate=0.05, slow_seconds=3.0, truncate_rate=0.05, drop_rate=0.05)
VAULT_ENV = {"VIGIE_VAULT_USER": "vigie-test", "VIGIE_VAULT_PASSWORD": "correct horse battery staple"}

# where each kind of item is read, per site (paths as the site links them)
PAGES = {
    "bazaar": {"listing": "/listing/{}", "vendor": "/vendor/{}", "discovery": ("/listings?", "/vendors?")},
    "vault": {"listing": "/annonce/{}", "vendor": "/vendeur/{}", "discovery": ("/annonces?", "/vendeurs?", "/login")},
}


def _engine(url: str):
    return sa.create_engine(url)


def _db(tmp_path, name="vigie.db") -> str:
    url = f"sqlite:///{tmp_path / name}"
    store = Store(url)
    store.upgrade()
    store.dispose()
    return url


def unexplained_losses(site: str, view, missing: set[str], shown: dict) -> list[str]:
    """Items of the truth that are not stored although no page they are read from (or
    reached through) is among the run's missing pages: silent drops."""
    if any(any(p.startswith(d) for d in PAGES[site]["discovery"]) for p in missing):
        return []                        # an index page is lost: what it links to may be unseen
    page = {k: (lambda v, k=k: PAGES[site][k].format(quote(v, safe=""))) for k in ("listing", "vendor")}
    listings = [l for l in view.listings if l.site == site]
    out = []
    for l in listings:
        if l.listing_id not in shown["listings"] and page["listing"](l.listing_id) not in missing:
            out.append(f"listing {l.listing_id}")
    for a in (a for a in view.accounts if a.site == site):
        via = {page["vendor"](a.handle)} | {page["listing"](l.listing_id) for l in listings if l.vendor == a.handle}
        if a.handle not in shown["vendors"] and not via & missing:
            out.append(f"vendor {a.handle}")
    for f in (f for f in view.feedback if f.site == site):
        vendor_page = page["vendor"](f.vendor)
        via = {page["listing"](f.listing_id), vendor_page}
        if (f.listing_id, f.vendor, f.text) not in shown["feedback"] and not via & missing \
                and not any(p.startswith(vendor_page + "/") for p in missing):
            out.append(f"feedback {f.feedback_id}")
    return out


@pytest.mark.parametrize("site", ["bazaar", "vault"])
def test_a_crawl_through_faults_is_complete_or_lists_exactly_what_it_lost(site, world_config, world, tmp_path):
    config = world_config.with_(faults={site: FAULTS})
    db = _db(tmp_path)
    with serve_site(config, world, site, DAY, client_timeout=CLIENT_TIMEOUT) as (url, recorder, injector, _):
        targets = tmp_path / "targets.toml"
        targets.write_text(targets_text({site: url}, timeout=CLIENT_TIMEOUT, credentials=site == "vault"))
        result = run_crawl(site, targets, db, crawl_clock(config, DAY), tmp_path, env=VAULT_ENV,
                           log=tmp_path / "crawl.log")
        lost = recorder.lost(url)
        injected, requests = dict(injector.injected), recorder.requests()
    assert all(injected.get(k) for k in ("error", "slow", "truncate", "drop")), injected

    # the run lists every page that never got an answer (and, under load, a page whose only
    # answer came after the client's timeout, which the server counts as answered), and its
    # status follows
    missing_listed = set(result["missing"])
    assert set(lost) <= missing_listed
    assert (result["status"], result["exit_code"]) == (("partial", 1) if missing_listed else ("complete", 0)), \
        result["reason"]
    engine = _engine(db)
    (status, missing), = query(engine, "SELECT status, missing FROM crawl_runs")
    assert status == result["status"] and set(json.loads(missing or "[]")) == missing_listed
    lost = sorted(missing_listed)

    # what was stored is the truth, value for value; what is not stored is on a listed page
    view, day = world.day_view(DAY), world.day_view(DAY).date
    listings, vendors = listings_shown(engine, site, day), vendors_shown(engine, site, day)
    feedback = feedback_shown(engine, site)
    true_l, true_v, true_f = listings_true(view, site), vendors_true(view, site), feedback_true(view, site)
    assert all(true_l[k] == v for k, v in listings.items()) and all(true_v[k] == v for k, v in vendors.items())
    assert set(feedback) <= set(true_f) and len(set(feedback)) == len(feedback)
    if not lost:
        assert (listings, vendors, feedback) == (true_l, true_v, true_f)
    shown = {"listings": set(listings), "vendors": set(vendors),
             "feedback": {(f[0], f[1], f[4]) for f in feedback}}
    lost_paths = {u[len(url):] for u in lost}
    assert unexplained_losses(site, view, lost_paths, shown) == []
    # nothing doubled
    for table, n in (("listing_versions", len(listings)), ("vendor_versions", len(vendors)),
                     ("feedback", len(feedback))):
        assert query(engine, f"SELECT count(*) FROM {table}") == [(n,)], table
    assert query(engine, "SELECT count(*) FROM quarantine") == [(0,)]
    engine.dispose()
    record_figures(f"faults-{site}", {
        "requests": requests, "faults_injected": injected, "status": result["status"],
        "pages_lost": len(lost), "missing_listed": len(result["missing"]),
        "listings": [len(listings), len(true_l)], "vendors": [len(vendors), len(true_v)],
        "feedback": [len(feedback), len(true_f)]})


def test_pages_that_never_answer_make_the_run_partial_listing_them_and_close_nothing(world_config, world,
                                                                                      tmp_path):
    """Day 2 is crawled complete; on day 3 three listing pages and one vendor's feedback page
    answer 500 to every attempt: the run is partial, lists exactly those four URLs, stores
    everything else, and the three listings stay open (not marked gone)."""
    site = "bazaar"
    db = _db(tmp_path)
    view3 = world.day_view(3)
    today = sorted((l for l in view3.listings if l.site == site), key=lambda l: l.listing_id)
    before = {l.listing_id for l in world.day_view(2).listings if l.site == site}
    failing = [l for l in today if l.listing_id in before][:3]
    counts = {}
    for f in view3.feedback:
        if f.site == site:
            counts[f.vendor] = counts.get(f.vendor, 0) + 1
    old_fb = {f.feedback_id for f in world.day_view(2).feedback}
    new_fb = {f.vendor for f in view3.feedback if f.site == site and f.feedback_id not in old_fb}
    fb_vendor = next(v for v, n in sorted(counts.items()) if n <= 20 and v in new_fb)   # one page, news on it
    fail_paths = {f"/listing/{quote(l.listing_id, safe='')}" for l in failing}
    fail_paths.add(f"/vendor/{quote(fb_vendor, safe='')}/feedback?page=1")

    results = {}
    for day, paths in ((2, set()), (3, fail_paths)):
        with serve_site(world_config, world, site, day, fail_paths=paths) as (url, _, _, _):
            targets = tmp_path / f"targets-{day}.toml"
            targets.write_text(targets_text({site: url}))
            results[day] = run_crawl(site, targets, db, crawl_clock(world_config, day), tmp_path, tag=f"day{day}")
            results[day]["base"] = url
    assert results[2]["status"] == "complete"
    r = results[3]
    assert (r["status"], r["exit_code"]) == ("partial", 1)
    assert sorted(r["missing"]) == sorted(r["base"] + p for p in fail_paths)
    assert "4 page(s) lost: 4 × HTTP 500" in r["reason"]

    engine = _engine(db)
    shown = listings_shown(engine, site, view3.date)
    truth = listings_true(view3, site)
    stored_today = {lid for lid, in query(engine, "SELECT l.listing_id FROM listing_versions v JOIN listings l "
                                                  "ON l.listing_uid = v.listing_uid WHERE v.last_seen_run_id = :r",
                                           r=r["run_id"])}
    failing_ids = {l.listing_id for l in failing}
    assert stored_today == set(truth) - failing_ids          # seen today: all but the three
    # the three listings are still shown on day 3 (carried forward, partial day), and so is
    # what was withdrawn since day 2: a partial run closes nothing
    assert set(shown) == set(truth) | before
    assert query(engine, "SELECT count(*) FROM listing_versions WHERE valid_to IS NOT NULL") == [(0,)]
    flags = dict(query(engine, "SELECT listing_id, partial_day FROM v_listing_daily WHERE site = :s AND day = :d",
                       s=site, d=view3.date))
    assert all(bool(flags[lid]) for lid in failing_ids)
    fb = feedback_shown(engine, site)
    missing_fb = [f for f in feedback_true(view3, site) if f not in fb]
    assert missing_fb and {f[1] for f in missing_fb} == {fb_vendor}          # only that vendor's new feedback
    engine.dispose()
    record_figures("always-failing-pages", {
        "pages_failing": len(fail_paths), "missing_listed": len(r["missing"]), "status": r["status"],
        "listings_shown_day3": [len(shown), len(truth)], "listing_versions_closed": 0,
        "feedback_not_stored": len(missing_fb)})



# ------------------------------------------------------------------ kill and resume
@pytest.fixture(scope="module")
def big_world(world_config):
    """Big enough that Scrapy has flushed its seen-requests file to the JOBDIR before the kill,
    and that a crawl stopped at 300 pages is still far from its end (~1,300 pages) when the
    signal lands: the mock server answers a page in about a millisecond."""
    from mock_sites.world import World
    config = world_config.with_(n_actors=400)
    return config, World(config)


def _wait_for(tmp_path, tag: str, proc, pages: int = 0, items: int = 0, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = read_progress(tmp_path, tag)
        if progress.get("pages", 0) >= pages and progress.get("items", 0) >= items:
            return progress
        assert proc.poll() is None, f"the crawl ended before {pages} pages / {items} items: {progress}"
        time.sleep(0.05)
    raise AssertionError(f"no progress to {pages} pages / {items} items in {timeout} s")


def _assert_day_is_the_truth(engine, world, site: str) -> dict:
    view = world.day_view(DAY)
    got = (listings_shown(engine, site, view.date), vendors_shown(engine, site, view.date), feedback_shown(engine, site))
    want = (listings_true(view, site), vendors_true(view, site), feedback_true(view, site))
    assert [len(g) for g in got] == [len(w) for w in want]
    assert got == want
    counts = {t: query(engine, f"SELECT count(*) FROM {t}")[0][0]
              for t in ("listings", "listing_versions", "vendor_versions", "feedback", "quarantine")}
    assert counts == {"listings": len(want[0]), "listing_versions": len(want[0]), "vendor_versions": len(want[1]),
                      "feedback": len(want[2]), "quarantine": 0}, "doubled or lost rows"
    return counts


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_a_crawl_killed_mid_run_and_resumed_with_its_jobdir_loses_and_doubles_nothing(sig, big_world, tmp_path):
    """SIGKILL: Scrapy's JOBDIR is not consistent after a hard kill (its seen-requests file
    names pages whose items were still in memory); the resumed run crawls again from the
    start under the same run.  SIGTERM: Scrapy stops gracefully and the run continues from
    its saved queue."""
    from crawler import warc
    config, world = big_world
    site, db = "bazaar", _db(tmp_path)
    settings = {"VIGIE_BATCH_SIZE": 25}          # items reach the database before the kill
    with serve_site(config, world, site, DAY) as (url, recorder, _, _):
        targets = tmp_path / "targets.toml"
        targets.write_text(targets_text({site: url}, concurrency=4))
        args = (site, targets, db, crawl_clock(config, DAY), tmp_path)
        proc = start_crawl(*args, jobdir=tmp_path / "job", settings=settings, tag="first", log=tmp_path / "log")
        at_kill = _wait_for(tmp_path, "first", proc, pages=300)
        proc.send_signal(getattr(signal, sig))
        code = proc.wait(120)
        engine = _engine(db)
        (run_id, run_key, status), = query(engine, "SELECT run_id, run_key, status FROM crawl_runs")
        stored_before = query(engine, "SELECT count(*) FROM listing_versions")[0][0]
        assert status == "running" and stored_before > 0
        assert code == (-signal.SIGKILL if sig == "SIGKILL" else 1)
        assert json.loads((tmp_path / "job" / "vigie-run.json").read_text())["stopped_cleanly"] is (sig == "SIGTERM")
        requests_before = recorder.requests()

        second = run_crawl(*args, jobdir=tmp_path / "job", settings=settings, tag="second", log=tmp_path / "log")
        requests_after = recorder.requests() - requests_before
    assert (second["status"], second["exit_code"], second["run_key"], second["run_id"]) == \
        ("complete", 0, run_key, run_id), second["reason"]
    assert not (tmp_path / "job").exists()
    assert query(engine, "SELECT run_id, status FROM crawl_runs") == [(run_id, "complete")]
    counts = _assert_day_is_the_truth(engine, world, site)
    report = warc.verify(engine)                   # every observation's page is in the archive
    assert report.ok, report.problems
    engine.dispose()
    record_figures(f"resume-{sig}", {
        "pages_before_kill": at_kill["pages"], "items_stored_before_kill": stored_before,
        "requests_after_resume": requests_after, "status": second["status"], **counts,
        "warc_observations_verified": report.observations})


# ------------------------------------------------------------------ stopped before Scrapy has started
@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8, 1.5])
def test_a_crawl_stopped_at_any_moment_of_its_start_leaves_no_run_running(delay, world_config, world, tmp_path):
    """SIGTERM to ``python -m crawler.run`` at a given delay after the run was started in the
    database (its progress file appears then), so during Scrapy's imports, the engine's
    start, or the first pages: the run ends recorded (interrupted: ``partial``, or
    ``complete`` if the crawl had already ended), never left ``running``, and the process
    exits with that run's code."""
    import subprocess
    import sys

    from tests.reliability_support import ROOT, child_env
    site, db = "bazaar", _db(tmp_path)
    with serve_site(world_config, world, site, DAY) as (url, _, _, _):
        targets = tmp_path / "targets.toml"
        targets.write_text(targets_text({site: url}, concurrency=2))
        progress, result = tmp_path / "progress.json", tmp_path / "result.json"
        cmd = [sys.executable, "-m", "crawler.run", site, "--targets", str(targets), "--db", db,
               "--now", crawl_clock(world_config, DAY).isoformat(), "--warc-dir", str(tmp_path / "warc"),
               "--spool-dir", str(tmp_path / "spool"), "--progress-file", str(progress),
               "--result-file", str(result), "--drain-wait", "1"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not progress.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()[-2000:]
            time.sleep(0.005)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(120)
        stderr = proc.stderr.read().decode()
    engine = _engine(db)
    runs = query(engine, "SELECT status, reason FROM crawl_runs")
    engine.dispose()
    assert len(runs) == 1 and runs[0][0] in ("partial", "complete"), (runs, stderr[-2000:])
    if runs[0][0] == "partial":
        assert "interrupted" in runs[0][1]
    assert code == {"partial": 1, "complete": 0}[runs[0][0]]
    assert json.loads(result.read_text())["status"] == runs[0][0]
    record_figures(f"stopped-at-start-{delay}", {"status": runs[0][0], "reason": runs[0][1], "exit_code": code})


# ------------------------------------------------------------------ database outage mid-run
@pytest.mark.postgres
@pytest.mark.parametrize("outage", ["back-before-the-end", "down-until-the-end"])
def test_a_database_outage_mid_run_loses_nothing(outage, big_world, pg_url, tmp_path):
    """The crawl writes to PostgreSQL through a TCP proxy that is cut mid-run: items wait in
    the spool; when the database is back (during the run, or for ``vigie drain`` after it)
    everything is written once."""
    import subprocess
    import sys

    from tests.test_storage_reliability import TcpProxy
    from tests.test_storage_support import pg_schema_url
    config, world = big_world
    site = "bazaar"
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    direct = pg_schema_url(pg_url, schema)
    pg = sa.make_url(pg_url)
    proxy = TcpProxy((pg.host, pg.port or 5432))
    proxy.start()
    via = pg_schema_url(pg.set(port=proxy.port).render_as_string(hide_password=False), schema)
    try:
        Store(direct).upgrade()
        with serve_site(config, world, site, DAY) as (url, _, _, _):
            targets = tmp_path / "targets.toml"
            targets.write_text(targets_text({site: url}, concurrency=2))
            proc = start_crawl(site, targets, via, crawl_clock(config, DAY), tmp_path, settings={"VIGIE_BATCH_SIZE": 25},
                               log=tmp_path / "log")
            _wait_for(tmp_path, "run", proc, items=50)
            proxy.stop()                               # the database goes away
            at_cut = read_progress(tmp_path)
            if outage == "back-before-the-end":
                _wait_for(tmp_path, "run", proc, items=at_cut["items"] + 150)
                proxy.start()
            code = proc.wait(600)
        result = json.loads((tmp_path / "run.result.json").read_text())
        engine = _engine(direct)
        if outage == "back-before-the-end":
            assert (code, result["status"], result["spooled"]) == (0, "complete", False), result["reason"]
        else:
            assert (code, result["status"], result["spooled"]) == (5, "complete", True)
            assert query(engine, "SELECT status FROM crawl_runs") == [("running",)]
            spooled = list((tmp_path / "spool" / site).glob("*.jsonl"))
            assert len(spooled) == 1 and spooled[0].stat().st_size > 0
            proxy.start()
            drain = subprocess.run([sys.executable, "-m", "crawler.cli", "drain", "--db", via, "--spool-dir",
                                    str(tmp_path / "spool")], capture_output=True, text=True, timeout=300,
                                   env={**os.environ, "VIGIE_BUYER_KEY": "unused"})
            assert drain.returncode == 0, drain.stdout + drain.stderr
            assert not list((tmp_path / "spool" / site).glob("*.jsonl"))
        assert query(engine, "SELECT status FROM crawl_runs") == [("complete",)]
        counts = _assert_day_is_the_truth(engine, world, site)
        drain_failures = result["stats"].get("vigie/db/drain_failed", 0)
        assert drain_failures > 0, "the outage was not felt by the crawl"
        engine.dispose()
        record_figures(f"db-outage-{outage}", {"items_at_cut": at_cut["items"], "drain_failures": drain_failures,
                                               "exit_code": code, **counts})
    finally:
        proxy.stop()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
