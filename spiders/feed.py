"""Spider for the "feed" mock social network (public posts about city keywords).

Two phases, so that each post is yielded exactly once with every city keyword it was
found under:

1. City searches.  The keywords come from the target option ``cities`` (comma-separated)
   or, without it, from ``/explore/cities``.  Each ``/search?q=KEYWORD`` is paged through
   its "Load more" links (``rel=next``, opaque cursor) to the end, and the spider notes
   which keywords each post id was listed under.  Nothing is yielded yet.
2. The timeline.  When every search has ended (finished or failed), ``/`` is paged to the
   end and every post on it is yielded once, with ``city_hint`` the comma-separated
   keywords noted in phase 1 (sorted), or None for a post no search listed.

The timeline also brings the posts that are about no city, which no search lists.  In
the mock world a post is about at most one city, so ``city_hint`` holds one keyword;
the comma-separated form keeps the spider right on a site where posts match several.
An item's provenance is the timeline page it was read from.

Values are copied as strings: ``posted_text`` is the ``<time datetime>`` attribute
(ISO 8601), ``text`` the post's text with its links flattened.  A CAPTCHA or seizure
page ends the run as blocked.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy

from spiders.base import VigieSpider

NEXT_PAGE = "a[rel=next]::attr(href)"
BLOCK_MARKERS = {".captcha-wall": "CAPTCHA page", ".seizure-banner": "seizure banner"}


def first_text(sel, css: str) -> str:
    """The text of the first element ``css`` selects (with its children's), stripped; "" when absent."""
    found = sel.css(css)[:1]
    return found.xpath("string()").get().strip() if found else ""


class FeedSpider(VigieSpider):
    name = "feed"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cities_of: dict[str, set[str]] = {}   # post id → city keywords it was listed under
        self.searches_left = 0

    async def start(self):
        option = self.option("cities")
        if option:
            for request in self.searches([c.strip() for c in str(option).split(",")]):
                yield request
        else:
            yield scrapy.Request(f"{self.base_url}/explore/cities", callback=self.parse_cities)

    def check_blocked(self, response) -> None:
        for css, reason in BLOCK_MARKERS.items():
            if response.css(css):
                self.blocked(f"{reason} at {response.url}")

    def parse_cities(self, response):
        self.check_blocked(response)
        keywords = [parse_qs(urlsplit(href).query).get("q", [""])[0]
                    for href in response.css("a.city-link::attr(href)").getall()]
        yield from self.searches(keywords)

    def searches(self, keywords: list[str]):
        keywords = list(dict.fromkeys(k for k in keywords if k))
        self.searches_left = len(keywords)
        if not keywords:
            yield self.timeline_request()
        for keyword in keywords:
            yield scrapy.FormRequest(f"{self.base_url}/search", method="GET", formdata={"q": keyword},
                                     callback=self.parse_search, errback=self.search_failed,
                                     cb_kwargs={"keyword": keyword})

    def parse_search(self, response, keyword: str):
        self.check_blocked(response)
        for post_id in response.css("article.post::attr(data-post-id)").getall():
            self.cities_of.setdefault(post_id, set()).add(keyword)
        next_href = response.css(NEXT_PAGE).get()
        if next_href:
            yield scrapy.Request(urljoin(response.url, next_href), callback=self.parse_search,
                                 errback=self.search_failed, cb_kwargs={"keyword": keyword})
        else:
            yield from self.search_ended()

    def search_failed(self, failure):
        self.logger.warning("city search failed: %s", failure.value)
        yield from self.search_ended()

    def search_ended(self):
        self.searches_left -= 1
        if self.searches_left == 0:
            yield self.timeline_request()

    def timeline_request(self) -> scrapy.Request:
        return scrapy.Request(f"{self.base_url}/", callback=self.parse_timeline)

    def parse_timeline(self, response):
        self.check_blocked(response)
        for post in response.css("article.post"):
            post_id = post.attrib.get("data-post-id", "")
            cities = sorted(self.cities_of.get(post_id, ()))
            yield self.raw("post", response, post_id=post_id,
                           author=first_text(post, "a.author span.handle"),
                           posted_text=post.css("time::attr(datetime)").get(default=""),
                           text=first_text(post, "p.post-text"),
                           city_hint=",".join(cities) or None)
        next_href = response.css(NEXT_PAGE).get()
        if next_href:
            yield scrapy.Request(urljoin(response.url, next_href), callback=self.parse_timeline)
