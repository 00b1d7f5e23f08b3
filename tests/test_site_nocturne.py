"""The nocturne mock market (JS-rendered listings) serves, over real HTTP, exactly the truth;
its listings exist only after the page's script has run with the page-load token."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urljoin

import httpx
import pytest
from parsel import Selector

from crawler.settings import BROWSER, CHROMIUM
from mock_sites.server import serve_world
from mock_sites.sites.nocturne import listing_json, place_list, place_name, positive_share, stars
from mock_sites.world.model import Account, DayView, Feedback, Listing, SiteState
from tests.test_site_bazaar import pages  # every page of a server-rendered list (rel=next)

SITE = "nocturne"


@pytest.fixture(scope="module")
def big_world(world_config):
    """The small world with more actors, so that the market has several pages of 100."""
    from mock_sites.world import World
    return World(world_config.with_(n_actors=160))


@pytest.fixture(scope="module")
def nocturne(big_world):
    with serve_world(big_world.config, day=0, sites=(SITE,), world=big_world) as running:
        with httpx.Client(base_url=running.urls[SITE], timeout=10) as client:
            yield running, client


def truth(world, day):
    view = world.day_view(day)
    return (view, sorted((l for l in view.listings if l.site == SITE), key=lambda l: l.listing_id),
            [a for a in view.accounts if a.site == SITE], [f for f in view.feedback if f.site == SITE])


def token_of(html: str) -> str:
    return Selector(html).css("meta[name=nocturne-token]::attr(content)").get()


def api_page(client, page: int) -> httpx.Response:
    shell = client.get(f"/market?page={page}")
    return client.get(f"/api/listings?page={page}", headers={"X-Nocturne-Token": token_of(shell.text)})


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=BROWSER["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"])


def render_market(base_url: str) -> tuple[list[dict], list[str]]:
    """Render every market page in Chromium, following the rendered "next" links:
    (cards as dicts, the rate text of each page)."""
    from playwright.sync_api import sync_playwright
    cards, rates = [], []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        url = base_url + "/market?page=1"
        while url:
            page.goto(url)
            page.wait_for_selector("#app[data-ready]")
            cards += page.eval_on_selector_all("article.listing-card", """cards => cards.map(c => ({
                id: c.dataset.listingId,
                title: c.querySelector('.listing-title').textContent,
                vendor: c.querySelector('a.vendor-link').textContent,
                vendor_url: c.querySelector('a.vendor-link').getAttribute('href'),
                category: c.querySelector('.listing-category').textContent,
                price: c.querySelector('.listing-price').textContent,
                ships_from: c.querySelector('.ships-from')?.textContent ?? null,
                ships_to: c.querySelector('.ships-to')?.textContent ?? null,
                excludes: c.querySelector('.excludes')?.textContent ?? null}))""")
            rates.append(page.text_content("p.market-rate"))
            nxt = page.get_attribute("a[rel=next]", "href") if page.query_selector("a[rel=next]") else None
            url = urljoin(url, nxt) if nxt else None
        browser.close()
    return cards, rates


def test_robots(nocturne):
    running, client = nocturne
    running.set_day(0)
    assert "Disallow: /checkout" in client.get("/robots.txt").text


def test_shell_holds_no_listing_data(nocturne, big_world):
    running, client = nocturne
    running.set_day(0)
    _, listings, _, _ = truth(big_world, 0)
    n_pages = -(-len(listings) // 100)
    assert n_pages > 1
    for n in range(1, n_pages + 1):
        html = client.get(f"/market?page={n}").text
        assert Selector(html).css("#app").xpath("string()").get().strip() == ""
        assert 'src="/static/nocturne/market.js"' in html
        for l in listings:
            assert l.listing_id not in html and l.price_shown not in html
    assert client.get("/static/nocturne/market.js").status_code == 200
    assert client.get(f"/market?page={n_pages + 1}").status_code == 404


def test_api_refuses_without_the_page_token(nocturne):
    running, client = nocturne
    running.set_day(0)
    assert client.get("/api/listings?page=1").status_code == 403
    assert client.get("/api/listings?page=1", headers={"X-Nocturne-Token": "abc.def"}).status_code == 403
    token = token_of(client.get("/").text)
    assert token != token_of(client.get("/").text), "a new token per page load"
    assert client.get("/api/listings?page=1", headers={"X-Nocturne-Token": token}).status_code == 200
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert client.get("/api/listings?page=1", headers={"X-Nocturne-Token": tampered}).status_code == 403
    running.set_day(1)
    assert client.get("/api/listings?page=1", headers={"X-Nocturne-Token": token}).status_code == 403
    running.set_day(0)


def test_api_serves_exactly_the_truth(nocturne, big_world):
    running, client = nocturne
    running.set_day(0)
    view, listings, _, _ = truth(big_world, 0)
    assert listings
    first = api_page(client, 1).json()
    assert first["rate"] == f"1 XMR = {view.sites[SITE].rate_eur:.2f} EUR"
    shown = first["listings"]
    for n in range(2, first["pages"] + 1):
        shown += api_page(client, n).json()["listings"]
    assert shown == [listing_json(l) for l in listings]
    assert [s["price"] for s in shown] == [l.price_shown for l in listings]
    assert all(re.fullmatch(r"\d+\.\d{12} XMR|€\d+\.\d\d", s["price"]) for s in shown)


def test_vendor_and_review_pages(nocturne, big_world):
    running, client = nocturne
    running.set_day(0)
    view, listings, accounts, feedback = truth(big_world, 0)
    handles = [a for page in pages(client, "/vendors?page=1") for a in page.css("a.vendor-link::text").getall()]
    assert sorted(handles) == sorted(a.handle for a in accounts)
    fids = []
    for a in accounts:
        page = Selector(client.get(f"/vendor/{a.handle}").text)
        assert page.css("h1.vendor-handle::text").get() == a.handle
        assert page.css("dd.joined::text").get() == a.join_date.isoformat()
        assert page.css("dd.rating::text").get() == positive_share(a.rating)
        assert page.css("dd.sales::text").get() == f"{a.sales_count} sales"
        assert page.css("pre.pgp::text").get() == a.pgp_key
        assert page.css("dd.vendor-ships-from::text").get() == place_list(a.ships_from)
        for review_page in pages(client, page.css("a.reviews-link::attr(href)").get()):
            fids += review_page.css("li.review::attr(data-review-id)").getall()
    assert sorted(fids) == sorted(f.feedback_id for f in feedback)
    f = max(feedback, key=lambda f: (f.posted_on, f.feedback_id))
    row = Selector(client.get(f"/vendor/{f.vendor}/reviews").text).css("li.review")[0]
    assert row.attrib["data-review-id"] == f.feedback_id
    assert row.css("time::attr(datetime)").get() == f"{f.posted_on.isoformat()}T00:00:00Z"
    assert row.css(".review-stars::text").get() == stars(f.rating)
    assert (row.css(".review-buyer::text").get(), row.css(".review-listing::text").get()) == (f.buyer, f.listing_id)


def test_unknown_pages_are_404(nocturne):
    running, client = nocturne
    running.set_day(0)
    for path in ("/vendor/nobody-at-all", "/vendor/nobody-at-all/reviews", "/market?page=0",
                 "/market?page=x", "/vendors?page=999", "/nowhere"):
        assert client.get(path).status_code == 404, path


def test_downtime_day_is_503(nocturne, world_config):
    running, client = nocturne
    running.set_day(world_config.downtime[SITE][0])
    assert client.get("/market?page=1").status_code == 503
    assert client.get("/api/listings?page=1").status_code == 503
    running.set_day(0)


@pytest.mark.browser
def test_rendered_market_shows_exactly_the_day_listings(nocturne, big_world):
    running, _ = nocturne
    running.set_day(0)
    view, listings, _, _ = truth(big_world, 0)
    cards, rates = render_market(running.urls[SITE])
    assert cards == [listing_json(l) for l in listings]
    assert set(rates) == {f"1 XMR = {view.sites[SITE].rate_eur:.2f} EUR"}


# -- escaping and rendering rules, on a hand-made day ------------------------------------

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"


class TinyWorld:
    """A world of one day on nocturne with hostile strings, served by the real app."""

    def __init__(self, config, n_listings: int = 3, status: str = "up"):
        self.config, self.n_listings, self.status = config, n_listings, status

    def day_view(self, day):
        d = self.config.start_date + timedelta(days=day)
        account = Account(SITE, HOSTILE, "A00001", 0, None, date(2018, 3, 2), Decimal("4.87"), 1204, None, None,
                          (("wickr", "<b>x</b>"),), "<script>alert(1)</script> & co", ("NL", "BE"))
        listings = [Listing(SITE, f"NC{i:03d}", HOSTILE, f"5g Cocaine <i>{i}</i>", "cocaine", "Coke & co",
                            Decimal("250.00"), "XMR", "2.547770700637 XMR", Decimal("5"), "g", Decimal("50.00"),
                            None if i else "EU", (), ("US",) if i else (), 0, None) for i in range(self.n_listings)]
        feedback = [Feedback(SITE, "F1", "NC000", HOSTILE, d, 4, "<b>great</b>", "<u>buyer</u>", Decimal("250.00"))]
        return DayView(seed=0, day=day, date=d, now=datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc),
                       sites={SITE: SiteState(SITE, self.status, "v1", "XMR", Decimal("98.126"))}, events=[], actors=[],
                       accounts=[account], listings=listings, feedback=feedback, posts=[])


@pytest.mark.browser
def test_hostile_strings_are_text_in_the_rendered_page_and_escaped_in_html(world_config):
    from playwright.sync_api import sync_playwright
    with serve_world(world_config, sites=(SITE,), world=TinyWorld(world_config)) as running:
        base = running.urls[SITE]
        with httpx.Client(base_url=base) as client:
            vendor = client.get(Selector(client.get("/vendors").text).css("a.vendor-link::attr(href)").get())
            assert vendor.status_code == 200 and HOSTILE not in vendor.text and "<script>alert" not in vendor.text
            assert Selector(vendor.text).css("h1.vendor-handle::text").get() == HOSTILE
            assert Selector(vendor.text).css("dd.rating::text").get() == "97.4% positive"
            reviews = client.get(Selector(vendor.text).css("a.reviews-link::attr(href)").get())
            assert "<b>great" not in reviews.text and "<u>buyer" not in reviews.text
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page()
            page.goto(base + "/market?page=1")
            page.wait_for_selector("#app[data-ready]")
            assert page.title() != "pwned" and page.query_selector("#app img") is None
            assert page.text_content("article.listing-card a.vendor-link") == HOSTILE
            assert page.text_content("p.market-rate") == "1 XMR = 98.13 EUR"
            assert page.text_content("article.listing-card .ships-from") == "European Union"
            page.click("article.listing-card a.vendor-link")
            assert page.text_content("h1.vendor-handle") == HOSTILE
            browser.close()


def test_value_rendering_rules():
    assert place_list(("EU", "EUROPE", "WORLDWIDE", "NL")) == "European Union, Europe, Worldwide, Netherlands"
    assert place_list(()) is None and place_name(None) == "Undeclared"
    assert [positive_share(Decimal(r)) for r in ("4.87", "5.00", "0.00", "4.85")] == \
        ["97.4% positive", "100% positive", "0% positive", "97% positive"]
    assert stars(4) == "★★★★☆"
