"""The bazaar spider finds, over real HTTP, every listing, vendor and feedback entry of the
truth, in both layouts and through faults, and stops on exit, CAPTCHA and seizure days."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from mock_sites.server import serve_world, targets_toml
from mock_sites.world.config import Faults
from tests.spider_harness import run_spider_raw

SITE = "bazaar"


# Faults a crawl must get through: retried 5xx and cut bodies, pages with broken markup.
FAULTS = Faults(error_rate=0.02, truncate_rate=0.02, malformed_rate=0.5)


@pytest.fixture(scope="module")
def bazaar(world_config, world):
    with serve_world(world_config, day=0, sites=(SITE,), world=world) as running:
        yield running


@pytest.fixture(scope="module")
def faulty_bazaar(world_config, world):
    with serve_world(world_config.with_(faults={SITE: FAULTS}), sites=(SITE,), world=world) as running:
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


def by_id(items, key):
    out = {i[key]: i for i in items}
    assert len(out) == len(items), f"duplicate {key}"
    return out


@pytest.mark.parametrize("day_of, server", [
    ("start", "bazaar"),
    ("layout_change", "bazaar"),
    pytest.param("start", "faulty_bazaar", marks=pytest.mark.reliability),
])
def test_spider_finds_the_truth(request, world, world_config, tmp_path, day_of, server):
    day = 0 if day_of == "start" else world_config.layout_change[SITE]
    view = world.day_view(day)
    assert view.sites[SITE].layout == ("v1" if day_of == "start" else "v2")
    running = request.getfixturevalue(server)
    items, meta = crawl(running, day, tmp_path)
    assert meta["finish_reason"] == "finished"

    listings = {l.listing_id: l for l in view.listings if l.site == SITE}
    got = by_id(items["listing"], "listing_id")
    assert set(got) == set(listings)
    rate = f"1 BTC = {view.sites[SITE].rate_eur:.2f} EUR"
    for lid, raw in got.items():
        truth = listings[lid]
        assert (raw["title"], raw["vendor"], raw["price_text"], raw["category_label"]) == \
            (truth.title, truth.vendor, truth.price_shown, truth.category_label)
        assert raw["rate_text"] == rate
        assert raw["quantity_text"] and raw["ships_from_text"]
        assert (raw["ships_to_text"] is None) == (not truth.ships_to)
        assert (raw["excludes_text"] is None) == (not truth.excludes)

    accounts = {a.handle: a for a in view.accounts if a.site == SITE}
    vendors = by_id(items["vendor"], "handle")
    assert set(vendors) == set(accounts)
    for handle, raw in vendors.items():
        truth = accounts[handle]
        assert raw["join_text"] == f"Joined {truth.join_date.isoformat()}"
        assert raw["rating_text"] == f"{truth.rating:.2f}/5"
        assert raw["sales_text"] == f"{truth.sales_count:,} sales"
        assert raw["pgp_key_text"] == (truth.pgp_key.strip() if truth.pgp_key else None)
        assert raw["profile_text"] == truth.profile.strip()
        assert raw["contacts_text"] == ("\n".join(f"{kind.capitalize()}: {value}" for kind, value in truth.contacts)
                                        or None)

    feedback = {f.feedback_id: f for f in view.feedback if f.site == SITE}
    got_fb = by_id(items["feedback"], "feedback_id")
    assert set(got_fb) == set(feedback)
    for fid, raw in got_fb.items():
        truth = feedback[fid]
        assert (raw["listing_id"], raw["vendor"], raw["buyer"], raw["text"], raw["rating_text"]) == \
            (truth.listing_id, truth.vendor, truth.buyer, truth.text.strip(), f"{truth.rating}/5")
        days = (view.date - truth.posted_on).days
        assert raw["posted_text"] == {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def test_spider_yields_nothing_on_exit_day(bazaar, world_config, tmp_path):
    items, meta = crawl(bazaar, world_config.exit_day, tmp_path)
    assert meta["finish_reason"].startswith("blocked") or not any(items.values())


def test_spider_stops_blocked_on_captcha_and_seizure_pages(world_config, tmp_path):
    from mock_sites.world import World
    config = world_config.with_(days=5, captcha_days={SITE: (2,)}, takedown_site=SITE, takedown_day=3,
                                exit_site=None, exit_day=None)
    with serve_world(config, day=0, sites=(SITE,), world=World(config)) as running:
        for day, what in ((2, "CAPTCHA"), (3, "seizure")):
            items, meta = crawl(running, day, tmp_path)
            assert meta["finish_reason"].startswith("blocked") and what in meta["finish_reason"]
            assert not any(items.values())


def test_unknown_layout_fails_the_run_and_block_pages_block_it():
    from scrapy.exceptions import CloseSpider
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from mock_sites.sites.common import CAPTCHA_PAGE, SEIZURE_PAGE
    from spiders.bazaar import BazaarSpider

    target = {"key": SITE, "spider": SITE, "base_urls": ["http://127.0.0.1:1/"],
              "authorisation": {"owner": "tests", "reference": "T-1", "scope": ["127.0.0.1:1"],
                                "expires": "2099-12-31"}}
    spider = BazaarSpider.from_crawler(get_crawler(BazaarSpider), target=target)
    for body, reason in (("<html><body><p>Shiny new market</p></body></html>", "failed: unknown page layout"),
                         (CAPTCHA_PAGE, "blocked: CAPTCHA"), (SEIZURE_PAGE, "blocked: seizure banner")):
        page = HtmlResponse("http://127.0.0.1:1/listings?page=1", body=body.encode(), encoding="utf-8")
        with pytest.raises(CloseSpider) as stop:
            list(spider.parse_index(page))
        assert stop.value.reason.startswith(reason)


def test_a_page_too_deep_for_the_parser_is_lost_not_a_layout_change():
    """lxml stops building the tree at PARSER_MAX_DEPTH: such a page loses its content and
    would read as a changed layout.  It is counted lost (the run goes on, ends partial); a
    deep page the parser read whole but of an unknown layout still fails the run."""
    from types import SimpleNamespace

    from scrapy.exceptions import CloseSpider
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from spiders.base import PARSER_MAX_DEPTH, tree_depth
    from spiders.bazaar import BazaarSpider

    def nested(n, inner):
        return HtmlResponse("http://127.0.0.1:1/listing/x", encoding="utf-8",
                            body=f"<html><body>{'<div>' * n}{inner}{'</div>' * n}</body></html>".encode())

    listing = '<h1 class="listing-title" data-listing-id="x">X</h1>'
    assert tree_depth(nested(PARSER_MAX_DEPTH + 50, listing).selector.root) == PARSER_MAX_DEPTH  # lxml's limit
    assert not nested(PARSER_MAX_DEPTH + 50, listing).css(".listing-title")

    target = {"key": SITE, "spider": SITE, "base_urls": ["http://127.0.0.1:1/"],
              "authorisation": {"owner": "tests", "reference": "T-1", "scope": ["127.0.0.1:1"],
                                "expires": "2099-12-31"}}
    crawler = get_crawler(BazaarSpider)
    lost: dict[str, str] = {}
    crawler.lost_pages = SimpleNamespace(lose=lost.__setitem__)
    spider = BazaarSpider.from_crawler(crawler, target=target)
    assert list(spider.parse_listing(nested(20_000, listing))) == []
    assert lost == {"http://127.0.0.1:1/listing/x":
                    f"nested beyond the parser's depth limit ({PARSER_MAX_DEPTH} elements)"}
    with pytest.raises(CloseSpider) as stop:
        list(spider.parse_listing(nested(1_000, "<p>Shiny new market</p>")))
    assert stop.value.reason.startswith("failed: unknown page layout")

    del crawler.lost_pages                       # outside run_target: counted and logged
    spider = BazaarSpider.from_crawler(crawler, target=target)
    assert list(spider.parse_index(nested(20_000, listing))) == []
    assert crawler.stats.get_value(f"vigie/lost/nested beyond the parser's depth limit ({PARSER_MAX_DEPTH} elements)") == 1
