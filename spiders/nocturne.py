"""Spider for the "nocturne" mock market (listings rendered by JavaScript, prices in XMR/EUR).

Walk: market pages in the browser (scrapy-playwright: the page's script fetches the
listings with a per-page-load token, so they must be rendered) → vendor profiles and
every page of their reviews over plain HTTP.  The vendor directory (plain HTTP) finds
the vendors that have no listing today.  Values are copied as strings; the pipeline
parses them, quantities included (they appear only in titles).
"""
from __future__ import annotations

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy_playwright.page import PageMethod

from spiders.base import VigieSpider

# The market script marks #app data-ready (or data-error); a page without #app (an error,
# CAPTCHA or seizure page) matches at once instead of waiting for the timeout.
RENDERED = "#app[data-ready], #app[data-error], body:not(:has(#app))"
RENDER_RETRIES = 3
NEXT_PAGE = "a[rel=next]::attr(href)"


def text(sel, css: str) -> str | None:
    """Text of what ``css`` selects, stripped (several matches joined by newlines); None when absent."""
    parts = [part.strip() for part in sel.css(css).xpath("string()").getall()]
    return "\n".join(parts) if parts else None


class NocturneSpider(VigieSpider):
    name = "nocturne"
    uses_browser = True

    async def start(self):
        yield self.market_request(f"{self.base_url}/market?page=1", first=True)
        yield scrapy.Request(f"{self.base_url}/vendors?page=1", callback=self.parse_directory)

    def market_request(self, url: str, renders: int = 0, first: bool = False, **kwargs) -> scrapy.Request:
        timeout = self.target.politeness.timeout * 1000   # ms, for the navigation and the render
        return scrapy.Request(url, callback=self.parse_market, errback=self.market_failed, meta={
            "playwright": True, "playwright_include_page": False, "nocturne_renders": renders,
            "nocturne_first": first, "playwright_page_goto_kwargs": {"timeout": timeout},
            "playwright_page_methods": [PageMethod("wait_for_selector", RENDERED, state="attached",
                                                   timeout=timeout)]}, **kwargs)

    def render_again(self, request: scrapy.Request, why: str):
        """The page did not render (its script or API failed, the browser errored): render it again."""
        renders = request.meta.get("nocturne_renders", 0) + 1
        self.crawler.stats.inc_value("nocturne/render_failed")
        if renders <= RENDER_RETRIES:
            self.logger.warning("nocturne: %s did not render (%s); rendering again", request.url, why)
            yield self.market_request(request.url, renders, request.meta.get("nocturne_first", False),
                                      dont_filter=True)
        else:
            self.logger.error("nocturne: %s did not render after %d attempts (%s)", request.url, renders, why)
            self.crawler.stats.inc_value("nocturne/render_gave_up")

    def market_failed(self, failure):
        """Errback of market pages: HTTP errors (e.g. 503 on a downtime day, already retried by
        Scrapy) and refused requests leave the run partial; browser failures are rendered again."""
        if not failure.check(IgnoreRequest):   # HttpError is an IgnoreRequest
            yield from self.render_again(failure.request, repr(failure.value))

    def check_blocked(self, response) -> None:
        if response.css(".seizure-banner"):
            self.blocked(f"seizure banner at {response.url}: {text(response, '.seizure-banner h1')}")
        if response.css(".captcha-wall, form[action*=captcha]"):
            self.blocked(f"CAPTCHA page at {response.url}")

    def parse_market(self, response):
        self.check_blocked(response)
        app = response.css("#app")
        if not app or "data-ready" not in app.attrib:
            yield from self.render_again(response.request, app.attrib.get("data-error") if app else "no #app")
            return
        rate = text(response, "p.market-rate")
        for card in app.css("article.listing-card"):
            yield self.raw("listing", response, listing_id=card.attrib["data-listing-id"],
                           title=text(card, ".listing-title"), vendor=text(card, "a.vendor-link"),
                           category_label=text(card, ".listing-category"), price_text=text(card, ".listing-price"),
                           rate_text=rate, quantity_text=None, ships_from_text=text(card, "dd.ships-from"),
                           ships_to_text=text(card, "dd.ships-to"), excludes_text=text(card, "dd.excludes"))
        for href in app.css("article.listing-card a.vendor-link::attr(href)").getall():
            yield response.follow(href, callback=self.parse_vendor)
        # page 1 says how many pages there are: render them all at once (in parallel);
        # the next link is followed too, so the walk does not depend on that count
        pages = app.css("nav.pager::attr(data-pages)").get() if response.meta.get("nocturne_first") else None
        for n in range(2, int(pages) + 1 if pages and pages.isdigit() else 0):
            yield self.market_request(f"{self.base_url}/market?page={n}")
        next_page = app.css(NEXT_PAGE).get()
        if next_page:
            yield self.market_request(response.urljoin(next_page))

    def parse_directory(self, response):
        self.check_blocked(response)
        for href in response.css("ul.vendor-directory a.vendor-link::attr(href)").getall():
            yield response.follow(href, callback=self.parse_vendor)
        next_page = response.css(NEXT_PAGE).get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_directory)

    def parse_vendor(self, response):
        self.check_blocked(response)
        profile = response.css("section.vendor-profile")
        yield self.raw("vendor", response, handle=text(profile, "h1.vendor-handle"),
                       rating_text=text(profile, "dd.rating"), sales_text=text(profile, "dd.sales"),
                       join_text=text(profile, "dd.joined"), pgp_key_text=text(profile, "pre.pgp"),
                       contacts_text=text(profile, "ul.contacts li.contact"), profile_text=text(profile, "div.bio"),
                       ships_from_text=text(profile, "dd.vendor-ships-from"))
        reviews = profile.css("a.reviews-link::attr(href)").get()
        if reviews:
            yield response.follow(reviews, callback=self.parse_reviews)

    def parse_reviews(self, response):
        self.check_blocked(response)
        vendor = text(response, "h1 a.vendor-link")
        for review in response.css("ol.reviews li.review"):
            yield self.raw("feedback", response, vendor=vendor, feedback_id=review.attrib.get("data-review-id"),
                           listing_id=text(review, ".review-listing"), rating_text=text(review, ".review-stars"),
                           text=text(review, ".review-text"), buyer=text(review, ".review-buyer"),
                           posted_text=review.css("time.review-date::attr(datetime)").get())
        next_page = response.css(NEXT_PAGE).get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_reviews)
