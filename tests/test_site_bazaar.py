"""The bazaar mock market serves, over real HTTP, exactly what the truth says."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urljoin

import httpx
import pytest
from parsel import Selector

from mock_sites.server import serve_world
from mock_sites.sites.bazaar import days_ago, place_list, place_name, quantity_text, vendor_url
from mock_sites.world.model import Account, DayView, Listing, SiteState

SITE = "bazaar"


@pytest.fixture(scope="module")
def bazaar(world_config, world):
    with serve_world(world_config, day=0, sites=(SITE,), world=world) as running:
        with httpx.Client(base_url=running.urls[SITE], timeout=10) as client:
            yield running, client


def truth(world, day):
    view = world.day_view(day)
    return (view, [l for l in view.listings if l.site == SITE], [a for a in view.accounts if a.site == SITE],
            [f for f in view.feedback if f.site == SITE])


def pages(client, url):
    """Every page of a paginated list, following rel=next."""
    while url:
        r = client.get(url)
        assert r.status_code == 200, url
        page = Selector(r.text)
        yield page
        nxt = page.css("a[rel=next]::attr(href)").get()
        url = urljoin(url, nxt) if nxt else None


def test_robots_disallows_search_and_admin(bazaar):
    running, client = bazaar
    running.set_day(0)
    body = client.get("/robots.txt").text
    assert "Disallow: /search" in body and "Disallow: /admin" in body


def test_serves_exactly_the_truth_of_the_day(bazaar, world):
    running, client = bazaar
    running.set_day(0)
    view, listings, accounts, feedback = truth(world, 0)
    assert listings and accounts and feedback

    shown = []
    for page in pages(client, "/listings?page=1"):
        ids = [href.rsplit("/", 1)[-1] for href in page.css("a.listing-link::attr(href)").getall()]
        assert 0 < len(ids) <= 50
        shown += ids
    assert shown == sorted(l.listing_id for l in listings)

    directory = []
    for page in pages(client, "/vendors?page=1"):
        directory += page.css("table.vendor-table a.vendor-link::text").getall()
    assert directory == [a.handle for a in sorted(accounts, key=lambda a: a.handle.lower())]

    fids = []
    for account in accounts:
        assert client.get(vendor_url(account.handle)).status_code == 200
        for page in pages(client, vendor_url(account.handle) + "/feedback?page=1"):
            rows = page.css("tr.feedback")
            assert len(rows) <= 20
            fids += rows.xpath("@data-fid").getall()
    assert sorted(fids) == sorted(f.feedback_id for f in feedback)
    assert len(fids) == len(set(fids))


def test_sample_fields(bazaar, world):
    running, client = bazaar
    running.set_day(0)
    view, listings, accounts, feedback = truth(world, 0)
    rate = f"1 BTC = {view.sites[SITE].rate_eur:.2f} EUR"
    for l in listings[:: max(1, len(listings) // 8)]:
        page = Selector(client.get(f"/listing/{l.listing_id}").text)
        assert page.css("h1.listing-title::text").get() == l.title
        assert page.css("td.price::text").get() == l.price_shown
        assert page.css("td.quantity::text").get() == quantity_text(l.quantity, l.unit)
        assert page.css("td.category::text").get() == l.category_label
        assert page.css("td.vendor a::text").get() == l.vendor
        assert page.css("table.listing-details td.ships-from::text").get() == place_name(l.ships_from)
        assert page.css("td.ships-to::text").get() == (place_list(l.ships_to) if l.ships_to else None)
        assert page.css("td.excludes::text").get() == (place_list(l.excludes) if l.excludes else None)
        assert page.css("#footer span.btc-rate::text").get() == rate
    for a in accounts[:: max(1, len(accounts) // 6)]:
        page = Selector(client.get(vendor_url(a.handle)).text)
        assert page.css("h1.vendor-name::text").get() == a.handle
        assert page.css("td.joined::text").get() == f"Joined {a.join_date.isoformat()}"
        assert page.css("td.rating::text").get() == f"{a.rating:.2f}/5"
        assert page.css("td.sales::text").get() == f"{a.sales_count:,} sales"
        assert page.css("pre.pgp-key::text").get() == a.pgp_key
    newest = {}
    for f in sorted(feedback, key=lambda f: (f.posted_on, f.feedback_id), reverse=True):
        newest.setdefault(f.vendor, f)   # pages list feedback newest first
    for f in list(newest.values())[:5]:
        page = Selector(client.get(vendor_url(f.vendor) + "/feedback").text)
        row = page.css("tr.feedback")[0]
        assert row.attrib["data-fid"] == f.feedback_id
        assert row.css("td.fb-date::text").get() == days_ago(f.posted_on, view.date)
        assert row.css("td.fb-rating::text").get() == f"{f.rating}/5"


def test_layout_changes_on_its_day(bazaar, world, world_config):
    running, client = bazaar
    change = world_config.layout_change[SITE]
    running.set_day(change - 1)
    before = Selector(client.get("/listings?page=1").text)
    running.set_day(change)
    after = Selector(client.get("/listings?page=1").text)
    assert world.day_view(change).sites[SITE].layout == "v2"
    assert before.css("table.listing-table") and not before.css("div.offers")
    assert after.css("div.offers .offer-card") and not after.css("table.listing-table")
    listing = truth(world, change)[1][0]
    page = Selector(client.get(f"/listing/{listing.listing_id}").text)
    assert page.css("article.offer div.offer-cost::text").get() == listing.price_shown


def test_the_worlds_html_handle_is_escaped(bazaar, world):
    running, client = bazaar
    running.set_day(0)
    hostile = [a.handle for a in truth(world, 0)[2] if "<" in a.handle]
    assert hostile, "the world always puts an HTML handle on bazaar"
    for handle in hostile:
        page = client.get(vendor_url(handle))
        assert page.status_code == 200 and handle not in page.text
        assert Selector(page.text).css("h1.vendor-name::text").get() == handle


def test_unknown_pages_are_404(bazaar):
    running, client = bazaar
    running.set_day(0)
    for path in ("/listing/NOPE", "/vendor/nobody-at-all", "/vendor/nobody-at-all/feedback",
                 "/listings?page=9999", "/nowhere"):
        assert client.get(path).status_code == 404, path


def test_exit_day_is_502(bazaar, world_config):
    running, client = bazaar
    running.set_day(world_config.exit_day)
    assert client.get("/listings?page=1").status_code == 502


# -- escaping and rendering rules, on a hand-made day ------------------------------------

HOSTILE = "<script>alert('x')</script>"


class TinyWorld:
    """A world of one day with a hostile handle, served by the real app."""

    def __init__(self, config):
        self.config = config

    def day_view(self, day):
        d = self.config.start_date + timedelta(days=day)
        account = Account(SITE, HOSTILE, "A00001", 0, None, date(2018, 3, 2), Decimal("4.5"), 1204, None, None,
                          (("telegram", "@x"),), "<b>bold</b> & proud", ())
        quiet = Account(SITE, "quiet/one", "A00002", 0, None, date(2018, 1, 1), Decimal("5"), 0, None, None, (),
                        "", ())   # no listing today: only the vendor directory leads to it
        listing = Listing(SITE, "BZ1", HOSTILE, "1 g <i>test</i>", "cocaine", "Coke", Decimal("80.00"), "BTC",
                          "0.01472754 BTC", Decimal("1"), "g", Decimal("80.00"), None, (), (), 0, None)
        return DayView(seed=0, day=day, date=d, now=datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc),
                       sites={SITE: SiteState(SITE, "up", "v1", "BTC", Decimal("5432.1"))}, events=[],
                       actors=[], accounts=[account, quiet], listings=[listing], feedback=[], posts=[])


def test_hostile_and_listless_handles_are_escaped_and_reachable(world_config):
    with serve_world(world_config, sites=(SITE,), world=TinyWorld(world_config)) as running:
        with httpx.Client(base_url=running.urls[SITE]) as client:
            listing = client.get("/listing/BZ1").text
            assert HOSTILE not in listing and "<i>" not in listing
            assert "&lt;script&gt;" in listing
            href = Selector(listing).css("td.vendor a::attr(href)").get()
            assert "/" not in href[len("/vendor/"):]
            vendor = client.get(href)
            assert vendor.status_code == 200
            assert HOSTILE not in vendor.text and "<b>bold" not in vendor.text
            assert Selector(vendor.text).css("h1.vendor-name::text").get() == HOSTILE
            assert "1 BTC = 5432.10 EUR" in vendor.text
            assert Selector(listing).css("td.ships-from::text").get() == "Undeclared"
            assert client.get(href + "/feedback").status_code == 200
            directory = Selector(client.get("/vendors").text).css("a.vendor-link")
            assert directory.css("::text").getall() == [HOSTILE, "quiet/one"]
            assert client.get(directory[1].attrib["href"]).status_code == 200


def test_value_rendering_rules():
    today = date(2018, 11, 20)
    assert [days_ago(today - timedelta(days=n), today) for n in (0, 1, 3)] == ["today", "yesterday", "3 days ago"]
    assert quantity_text(Decimal("0.50"), "g") == "0.5 g"
    assert quantity_text(Decimal("25"), "pill") == "25 pills"
    assert quantity_text(Decimal("1"), "unit") == "1 unit"
    assert place_list(("NL", "BE", "GB", "US")) == "Netherlands, Belgium, United Kingdom, United States"
    assert place_list(("EUROPE", "EU", "WORLDWIDE")) == "Europe, EU, Worldwide"
    assert place_name(None) == "Undeclared"
