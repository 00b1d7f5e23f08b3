"""Spider for the "bazaar" mock market (server-rendered HTML, prices in BTC).

Walk: listing index pages → listing pages → vendor profiles → every page of each
vendor's feedback; and the vendor directory → vendor profiles (vendors with no listing
today are only found there).  The dupefilter keeps one request per page.

The site has two layouts ("v1": tables, "v2": cards); each page is parsed with the
selectors of the layout it uses, recognised by its footer.  Values are copied as
strings; the pipeline parses them.
"""
from __future__ import annotations

from functools import cache
from urllib.parse import unquote, urlsplit

import scrapy
from lxml import etree
from parsel.csstranslator import HTMLTranslator
from scrapy.exceptions import CloseSpider

from spiders.base import VigieSpider

# Selectors per layout.  A selector ending in ::attr(...) gives an attribute; any other
# gives the text of the element (of each element for "contacts_text").
LAYOUTS: dict[str, dict[str, str]] = {
    "v1": {
        "marker": "#footer span.btc-rate",
        "rate": "#footer span.btc-rate",
        "listing_links": "table.listing-table a.listing-link::attr(href)",
        "vendor_links": "table.vendor-table a.vendor-link::attr(href)",
        "listing_id": "h1.listing-title::attr(data-listing-id)",
        "title": "h1.listing-title",
        "vendor": "td.vendor a.vendor-link",
        "vendor_href": "td.vendor a.vendor-link::attr(href)",
        "category_label": "td.category",
        "price_text": "td.price",
        "quantity_text": "td.quantity",
        "ships_from_text": "table.listing-details td.ships-from",
        "ships_to_text": "td.ships-to",
        "excludes_text": "td.excludes",
        "handle": "h1.vendor-name",
        "rating_text": "td.rating",
        "sales_text": "td.sales",
        "join_text": "td.joined",
        "pgp_key_text": "pre.pgp-key",
        "contacts_text": "ul.contacts li",
        "profile_text": "p.profile",
        "vendor_ships_from_text": "table.vendor-stats td.ships-from",
        "feedback_href": "a.feedback-link::attr(href)",
        "feedback_vendor": "h1 a.vendor-link",
        "feedback_entry": "table.feedback-table tr.feedback",
        "fb_listing_href": "td.fb-listing a::attr(href)",
        "fb_rating": "td.fb-rating",
        "fb_text": "td.fb-text",
        "fb_buyer": "td.fb-buyer",
        "fb_posted": "td.fb-date",
    },
    "v2": {
        "marker": "footer.site-footer span.fx-rate",
        "rate": "footer.site-footer span.fx-rate",
        "listing_links": "div.offers a.offer-open::attr(href)",
        "vendor_links": "div.sellers a.seller::attr(href)",
        "listing_id": "article.offer::attr(data-offer)",
        "title": "h2.offer-name",
        "vendor": "dd.fact-seller a.seller",
        "vendor_href": "dd.fact-seller a.seller::attr(href)",
        "category_label": "dd.fact-type",
        "price_text": "article.offer div.offer-cost",
        "quantity_text": "dd.fact-amount",
        "ships_from_text": "dd.fact-origin",
        "ships_to_text": "dd.fact-destinations",
        "excludes_text": "dd.fact-exclusions",
        "handle": "h2.seller-handle",
        "rating_text": "span.badge-score",
        "sales_text": "span.badge-orders",
        "join_text": "span.badge-since",
        "pgp_key_text": "pre.armored",
        "contacts_text": "div.seller-contacts p.contact",
        "profile_text": "p.seller-bio",
        "vendor_ships_from_text": "span.seller-origin",
        "feedback_href": "section.seller-profile a.seller-reviews::attr(href)",
        "feedback_vendor": "h2 a.seller",
        "feedback_entry": "ul.reviews li.review",
        "fb_listing_href": "a.review-offer::attr(href)",
        "fb_rating": "span.review-stars",
        "fb_text": "p.review-body",
        "fb_buyer": "span.review-by",
        "fb_posted": "span.review-when",
    },
}
NEXT_PAGE = "a[rel=next]::attr(href)"
# Fields a raw item cannot lack: when a page lacks one, it is sent as "" so that the
# pipeline quarantines the item with its page instead of the item being lost here.
REQUIRED = {"listing": ("listing_id", "title", "vendor", "price_text"), "vendor": ("handle",),
            "feedback": ("listing_id", "vendor", "posted_text", "rating_text", "text", "buyer")}


_TRANSLATOR = HTMLTranslator()          # parsel's own CSS translation (::attr() included)
_STRING = etree.XPath("string()", smart_strings=False)
_OWN_TEXT = etree.XPath("text()", smart_strings=False)


@cache
def _compiled(css: str) -> etree.XPath:
    """``css`` translated as parsel does and compiled once (parsel re-evaluates the query
    string and wraps every result in a Selector: most of a page's parse time)."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(css), smart_strings=False)


def select(sel, css: str) -> list:
    """What ``sel.css(css)`` selects, as lxml elements or strings (for ``::attr()``).
    ``sel``: a response, a parsel selector or an lxml element."""
    root = sel.selector.root if hasattr(sel, "selector") else getattr(sel, "root", sel)
    return _compiled(css)(root)


def text(sel, css: str) -> str | None:
    """The attribute or the text of the first element ``css`` selects, stripped; None when
    absent.  The first match, because broken markup can nest the next entries inside this one."""
    first = select(sel, css)[:1]
    if not first:
        return None
    value = first[0] if isinstance(first[0], str) else _STRING(first[0])
    return value.strip()


def texts(sel, css: str) -> str | None:
    """The own text of every element ``css`` selects (not its children's: an unclosed
    element swallows the rest of the page), one per line; None when there is none."""
    parts = [" ".join(t.strip() for t in _OWN_TEXT(el) if t.strip()) for el in select(sel, css)]
    return "\n".join(p for p in parts if p) or None


def last_segment(href: str) -> str:
    return unquote(urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1])


class BazaarSpider(VigieSpider):
    name = "bazaar"

    async def start(self):
        yield scrapy.Request(f"{self.base_url}/listings?page=1", callback=self.parse_index)
        yield scrapy.Request(f"{self.base_url}/vendors?page=1", callback=self.parse_directory)

    def item(self, kind: str, response, fields: dict):
        for key in REQUIRED[kind]:
            if fields.get(key) is None:
                fields[key] = ""
        return self.raw(kind, response, **fields)

    def layout(self, response) -> dict[str, str] | None:
        """Selectors of the page's layout.  Ends the run as blocked on a seizure or CAPTCHA
        page, and as failed on a page of an unknown layout (the site changed: a run that
        cannot read it must not pass for complete).  None for a page the parser could not
        read whole (too deep): it is lost, the run goes on and ends partial."""
        if select(response, ".seizure-banner"):
            self.blocked(f"seizure banner at {response.url}: {text(response, '.seizure-banner h1')}")
        if select(response, ".captcha-wall") or select(response, "form[action*=captcha]"):
            self.blocked(f"CAPTCHA page at {response.url}")
        for name, sels in LAYOUTS.items():
            if select(response, sels["marker"]):
                self.crawler.stats.inc_value(f"bazaar/layout/{name}")
                return sels
        why = self.unreadable(response)
        if why:
            self.page_lost(response, why)
            return None
        self.crawler.stats.inc_value("bazaar/layout/unknown")
        raise CloseSpider(f"failed: unknown page layout at {response.url} (did the site change?)")

    def parse_index(self, response):
        sels = self.layout(response)
        if sels is None:
            return
        for href in select(response, sels["listing_links"]):
            yield response.follow(href, callback=self.parse_listing)
        next_page = (select(response, NEXT_PAGE) or [None])[0]
        if next_page:
            yield response.follow(next_page, callback=self.parse_index)

    def parse_directory(self, response):
        """The vendor directory: also reaches vendors who have no listing today."""
        sels = self.layout(response)
        if sels is None:
            return
        for href in select(response, sels["vendor_links"]):
            yield response.follow(href, callback=self.parse_vendor)
        next_page = (select(response, NEXT_PAGE) or [None])[0]
        if next_page:
            yield response.follow(next_page, callback=self.parse_directory)

    def parse_listing(self, response):
        sels = self.layout(response)
        if sels is None:
            return
        fields = {key: text(response, sels[key]) for key in (
            "listing_id", "title", "vendor", "category_label", "price_text", "quantity_text",
            "ships_from_text", "ships_to_text", "excludes_text")}
        fields["rate_text"] = text(response, sels["rate"])
        yield self.item("listing", response, fields)
        vendor_href = text(response, sels["vendor_href"])
        if vendor_href:
            yield response.follow(vendor_href, callback=self.parse_vendor)

    def parse_vendor(self, response):
        sels = self.layout(response)
        if sels is None:
            return
        fields = {key: text(response, sels[key]) for key in (
            "handle", "rating_text", "sales_text", "join_text", "pgp_key_text", "profile_text")}
        fields["contacts_text"] = texts(response, sels["contacts_text"])
        fields["ships_from_text"] = text(response, sels["vendor_ships_from_text"])
        yield self.item("vendor", response, fields)
        feedback_href = text(response, sels["feedback_href"])
        if feedback_href:
            yield response.follow(feedback_href, callback=self.parse_feedback)

    def parse_feedback(self, response):
        sels = self.layout(response)
        if sels is None:
            return
        vendor = text(response, sels["feedback_vendor"])
        for entry in select(response, sels["feedback_entry"]):
            href = text(entry, sels["fb_listing_href"])
            yield self.item("feedback", response, {
                "vendor": vendor, "feedback_id": entry.get("data-fid"),
                "listing_id": last_segment(href) if href else None,
                "rating_text": text(entry, sels["fb_rating"]), "text": text(entry, sels["fb_text"]),
                "buyer": text(entry, sels["fb_buyer"]), "posted_text": text(entry, sels["fb_posted"])})
        next_page = (select(response, NEXT_PAGE) or [None])[0]
        if next_page:
            yield response.follow(next_page, callback=self.parse_feedback)
