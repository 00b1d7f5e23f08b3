"""The demo end to end, over real HTTP, real subprocess crawls and a real browser.

1. ``vigie demo`` — the README's main command — on a few days: exit 0, a report that
   opens in headless Chromium with its charts drawn and no console error (screenshot kept
   in ``test-artifacts/demo-report.png``), and an archive that ``vigie warc verify`` accepts.
2. The demo's pipeline (``crawler.demo.run_demo``) over every day of a 12-day world that holds
   every event:
   every indicator computed from the *crawled* database equals the one computed from the
   world's ground truth on every day — counts exactly, prices within rounding — including
   partial days, the exit and its migrations, and relocations.  Social-feed advert shares
   rest on the classifier (docs/normalisation.md) and are compared within its error.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.indicator_compare import assert_same, map_actor_ids

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]   # module fixtures crawl many days
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
MARKETS = ("bazaar", "nocturne", "vault")


def vigie(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, "COLUMNS": "200"})


@pytest.mark.browser
@pytest.mark.timeout(1500)
def test_vigie_demo_runs_and_its_report_opens(tmp_path):
    out = tmp_path / "demo"
    proc = vigie("demo", "--days", "3", "--actors", "40", "--jobs", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Open the report" in proc.stdout and "demo summary" in proc.stdout
    report = out / "report" / "index.html"
    assert report.exists()

    db = f"sqlite:///{out / 'vigie.db'}"
    check = vigie("warc", "verify", "--db", db)
    assert check.returncode == 0 and "OK" in check.stdout, check.stdout + check.stderr

    from playwright.sync_api import sync_playwright

    from crawler.settings import CHROMIUM
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        page.wait_for_timeout(1500)
        charts = page.locator(".js-plotly-plot")
        drawn = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                              ".filter(d => d.querySelectorAll('.main-svg').length > 0).length")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "demo-report.png"))
        n_charts = charts.count()
        browser.close()
    assert not errors, errors
    assert n_charts >= 3 and drawn == n_charts


@pytest.fixture(scope="module")
def world_config():
    """12 days with every event inside: layout change (2), downtime (3, 6), exit of bazaar (5)
    and migration within 4 days, relocation (7), CAPTCHA (8), seizure of vault (10)."""
    from mock_sites.world.config import WorldConfig
    return WorldConfig(seed=11, days=12, n_actors=40, exit_day=5, migration_window=4, takedown_day=10,
                       downtime={"nocturne": (3,), "vault": (6,)}, layout_change={"bazaar": 2},
                       captcha_days={"vault": (8,)}, relocation_day=7, posts_per_day=30, session_max_requests=60,
                       rate_limit_per_second=400.0)


@pytest.fixture(scope="module")
def world(world_config):
    from mock_sites.world import World
    return World(world_config)


@pytest.fixture(scope="module")
def demo_db(world_config, tmp_path_factory):
    from crawler.demo import run_demo
    out = tmp_path_factory.mktemp("demo-full")
    result = run_demo(out, world_config, crawl_days=world_config.days, jobs=2)
    from storage import Store
    store = Store(result.database)
    yield store, result
    store.dispose()


@pytest.fixture(scope="module")
def indicators(demo_db, world, world_config):
    from crawler.indicators import compute_all
    from crawler.indicators.from_db import inputs_from_db
    from crawler.indicators.from_truth import inputs_from_world
    store, _ = demo_db
    db_in = inputs_from_db(store.engine)
    days = range(world_config.days)
    truth_in = inputs_from_world(world, days, sites=MARKETS)
    truth = compute_all(truth_in)
    social = compute_all(inputs_from_world(world, days))        # the feed's tables
    truth.update({k: social[k] for k in ("ind_social_adverts", "ind_social_contacts")})
    return db_in, compute_all(db_in), truth_in, truth


def test_every_run_has_the_status_of_its_day(demo_db, world, world_config):
    import sqlalchemy as sa
    store, result = demo_db
    with store.engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT site, observed_at, status FROM v_runs")).all()
    assert len(runs) == world_config.days * 4
    for site, observed_at, status in runs:
        day = (observed_at if not isinstance(observed_at, str) else __import__("datetime").datetime
               .fromisoformat(observed_at)).date()
        up = world.day_view((day - world_config.start_date).days).sites[site].status == "up"
        assert (status == "complete") == up, (site, day, status)


def test_market_indicators_equal_the_truth_on_every_day(indicators):
    _, db, _, truth = indicators
    assert_same(db["ind_site_daily"], truth["ind_site_daily"], ["site", "day"], "ind_site_daily")
    assert_same(db["ind_vendors_by_country"], truth["ind_vendors_by_country"], ["site", "day", "ships_from"],
                "ind_vendors_by_country")
    assert_same(db["ind_unit_prices"], truth["ind_unit_prices"], ["site", "day", "category", "ships_from", "unit"],
                "ind_unit_prices")
    a = db["ind_site_daily"].set_index(["site", "day"])["partial"].astype(bool).sort_index()
    b = truth["ind_site_daily"].set_index(["site", "day"])["partial"].astype(bool).sort_index()
    assert a.equals(b) and a.sum() > 0          # downtime, CAPTCHA, exit and seizure days are flagged


def test_actor_indicators_equal_the_truth(indicators, world_config):
    db_in, db, truth_in, truth = indicators
    to_truth = map_actor_ids(db_in.actor_accounts, truth_in.actor_accounts)
    assert_same(db["ind_closures"], truth["ind_closures"], ["site"], "ind_closures", complete_only=False)
    assert world_config.exit_site in set(truth["ind_closures"]["site"])
    for table, keys in (("ind_migrations", ["from_site", "actor_id", "to_site"]),
                        ("ind_relocations", ["actor_id", "day"])):
        mapped = db[table].assign(actor_id=db[table]["actor_id"].map(to_truth))
        assert_same(mapped, truth[table], keys, table, complete_only=False)
        assert not truth[table].empty, table
    assert_same(db["ind_multi_origin"], truth["ind_multi_origin"], ["day"], "ind_multi_origin")


def test_social_indicators_match_within_the_classifier_error(indicators):
    _, db, _, truth = indicators
    assert_same(db["ind_social_contacts"], truth["ind_social_contacts"], ["kind", "value"], "ind_social_contacts",
                complete_only=False)
    a, b = db["ind_social_adverts"], truth["ind_social_adverts"]
    merged = a.merge(b, on=["day", "city"], suffixes=("_db", "_truth"))
    assert len(merged) == len(a) == len(b) > 0
    assert (merged["posts_db"] == merged["posts_truth"]).all()
    error = (merged["adverts_db"] - merged["adverts_truth"]).abs().sum() / merged["posts_truth"].sum()
    print(f"advert classifier: {error:.1%} of posts counted differently from the truth labels")
    assert error < 0.1
