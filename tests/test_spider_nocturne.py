"""The nocturne spider renders the JS market through scrapy-playwright (Debian's Chromium) and
finds, over real HTTP, every listing, vendor and review of the truth; a downtime day gives
failed requests and no listings, a CAPTCHA or seizure page ends the run blocked."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from mock_sites.server import serve_world, targets_toml
from mock_sites.sites.nocturne import place_list, place_name, positive_share, stars
from tests.spider_harness import run_spider_raw
from tests.test_spider_bazaar import by_id
from tests.test_site_nocturne import TinyWorld, big_world  # noqa: F401 (fixture)

SITE = "nocturne"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def nocturne(big_world):
    with serve_world(big_world.config, day=0, sites=(SITE,), world=big_world) as running:
        yield running


def crawl(running, day, tmp_path):
    running.set_day(day)
    targets = tmp_path / "targets.toml"
    targets.write_text(targets_toml(running))
    now = datetime.combine(running.world.config.start_date + timedelta(days=day), time(12), timezone.utc)
    items, meta = run_spider_raw(targets, SITE, now, tmp_path)
    by_kind = {"listing": [], "vendor": [], "feedback": []}
    for item in items:
        by_kind[item["kind"]].append(item)
    return by_kind, meta


def test_spider_finds_the_truth(nocturne, big_world, tmp_path):
    view = big_world.day_view(0)
    items, meta = crawl(nocturne, 0, tmp_path)
    assert meta["finish_reason"] == "finished"
    assert meta["stats"].get("playwright/page_count", 0) >= 1
    assert not meta["stats"].get("nocturne/render_failed")

    listings = {l.listing_id: l for l in view.listings if l.site == SITE}
    got = by_id(items["listing"], "listing_id")
    assert listings and set(got) == set(listings)
    rate = f"1 XMR = {view.sites[SITE].rate_eur:.2f} EUR"
    for lid, raw in got.items():
        truth = listings[lid]
        assert (raw["title"], raw["vendor"], raw["price_text"], raw["category_label"], raw["rate_text"]) == \
            (truth.title, truth.vendor, truth.price_shown, truth.category_label, rate)
        assert raw["quantity_text"] is None
        assert (raw["ships_from_text"], raw["ships_to_text"], raw["excludes_text"]) == \
            (place_name(truth.ships_from), place_list(truth.ships_to), place_list(truth.excludes))

    accounts = {a.handle: a for a in view.accounts if a.site == SITE}
    vendors = by_id(items["vendor"], "handle")
    assert set(vendors) == set(accounts)
    for handle, raw in vendors.items():
        truth = accounts[handle]
        assert (raw["join_text"], raw["rating_text"], raw["sales_text"]) == \
            (truth.join_date.isoformat(), positive_share(truth.rating), f"{truth.sales_count} sales")
        assert raw["pgp_key_text"] == (truth.pgp_key.strip() if truth.pgp_key else None)
        assert raw["profile_text"] == truth.profile.strip()
        assert raw["ships_from_text"] == place_list(truth.ships_from)
        for _, value in truth.contacts:
            assert value in raw["contacts_text"]

    feedback = {f.feedback_id: f for f in view.feedback if f.site == SITE}
    got_fb = by_id(items["feedback"], "feedback_id")
    assert set(got_fb) == set(feedback)
    for fid, raw in got_fb.items():
        truth = feedback[fid]
        assert (raw["listing_id"], raw["vendor"], raw["buyer"], raw["text"], raw["rating_text"], raw["posted_text"]) \
            == (truth.listing_id, truth.vendor, truth.buyer, truth.text.strip(), stars(truth.rating),
                f"{truth.posted_on.isoformat()}T00:00:00Z")


def test_downtime_day_fails_the_requests_and_yields_nothing(nocturne, world_config, tmp_path):
    items, meta = crawl(nocturne, world_config.downtime[SITE][0], tmp_path)
    assert not any(items.values())
    assert meta["stats"].get("downloader/response_status_count/503", 0) > 0
    assert meta["stats"].get("retry/max_reached", 0) > 0


@pytest.mark.parametrize("status", ["captcha", "takedown"])
def test_captcha_or_seizure_page_ends_the_run_blocked(world_config, tmp_path, status):
    with serve_world(world_config, sites=(SITE,), world=TinyWorld(world_config, status=status)) as running:
        items, meta = crawl(running, 0, tmp_path)
    assert meta["finish_reason"].startswith("blocked")
    assert not items["listing"]


@pytest.mark.reliability
def test_spider_is_complete_despite_server_errors_and_dropped_connections(world_config, tmp_path):
    """5xx and dropped connections hit shells, the script and the API inside the browser as well
    as plain pages: Scrapy retries the pages, the spider renders failed market pages again."""
    from mock_sites.world import World
    from mock_sites.world.config import Faults
    config = world_config.with_(n_actors=100, faults={SITE: Faults(error_rate=0.04, drop_rate=0.02)})
    world = World(config)
    with serve_world(config, sites=(SITE,), world=world) as running:
        items, meta = crawl(running, 0, tmp_path)
        injected = running.faults_injected(SITE)
    view = world.day_view(0)
    assert injected.get("error") and injected.get("drop")
    assert {i["listing_id"] for i in items["listing"]} == {l.listing_id for l in view.listings if l.site == SITE}
    assert {i["handle"] for i in items["vendor"]} == {a.handle for a in view.accounts if a.site == SITE}
    assert {i["feedback_id"] for i in items["feedback"]} == {f.feedback_id for f in view.feedback if f.site == SITE}
