"""The report opened in headless Chromium: charts render (not blank), no console errors, and
crawled text is shown as text (a vendor handle holding ``<script>`` runs nothing).
A screenshot of the first screen is kept in ``test-artifacts/report-first-screen.png``."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.indicators import compute_all
from crawler.indicators.from_truth import inputs_from_world
from crawler.report import build_report
from crawler.settings import CHROMIUM

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
HOSTILE = '<script>document.title="pwned";window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture(scope="module")
def report_path(world, tmp_path_factory):
    tables = compute_all(inputs_from_world(world, sites=("bazaar", "nocturne", "vault", "feed")))
    mig = tables["ind_migrations"]
    assert not mig.empty, "the test world must have migrations to show"
    tables["ind_migrations"] = mig.assign(handle=[HOSTILE] + list(mig["handle"].iloc[1:]))
    return build_report(tables, tmp_path_factory.mktemp("report"), meta={"title": "report under test"})


@pytest.fixture(scope="module")
def page(report_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (scripts/setup.sh installs Debian's chromium)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        dialogs: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        # the report must not need anything but its own file: every other request is refused
        outside: list[str] = []
        pg.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                 else (outside.append(route.request.url), route.abort()))
        pg.goto(report_path.as_uri(), wait_until="load")
        pg.wait_for_function("""() => { const plots = [...document.querySelectorAll('.js-plotly-plot')];
            return plots.length > 0 && plots.every(p => p.querySelector('.main-svg')); }""")
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))
        yield pg, errors, dialogs, outside
        browser.close()


def test_every_chart_renders_with_data(page):
    pg, errors, _, outside = page
    charts = pg.eval_on_selector_all(".js-plotly-plot", """els => els.map(el => ({
        id: el.id,
        traces: (el.data || []).length,
        points: (el.calcdata || []).reduce((n, trace) => n + trace.length, 0),
        width: el.getBoundingClientRect().width, height: el.getBoundingClientRect().height,
        drawn: el.querySelectorAll('.scatterlayer .trace path, .barlayer .trace path, .sankey-link').length}))""")
    assert len(charts) >= 6, charts
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["traces"] > 0 and chart["points"] > 0 and chart["drawn"] > 0, f"blank chart: {chart}"
    assert errors == []
    assert outside == []


@pytest.mark.reliability
def test_crawled_text_is_shown_as_text(page):
    pg, _, dialogs, _ = page
    assert HOSTILE in pg.inner_text("body")
    assert pg.evaluate("window.__pwned") is None
    assert pg.title() != "pwned" and dialogs == []


def test_screenshot_kept(page):
    shot = ARTIFACTS / "report-first-screen.png"
    assert shot.exists() and shot.stat().st_size > 10_000
