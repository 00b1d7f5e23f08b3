"""Crawl log lines that name an item without its content.

Scrapy's default log formatter writes every scraped, dropped or failed item in full at
DEBUG level; a raw feedback item holds the buyer's pseudonym in clear, which Vigie never
stores (docs/schema.md). Here an item is logged as its kind and its key on the site
(listing ID, vendor handle, feedback ID, post ID): enough to find it, nothing personal.
"""
from __future__ import annotations

from scrapy.logformatter import LogFormatter

KEY_FIELDS = ("listing_id", "handle", "feedback_id", "post_id")


def describe(item) -> str:
    """``"feedback item (listing_id=12, feedback_id=f-3)"``; never the text or the buyer."""
    fields = item if isinstance(item, dict) else getattr(item, "__dict__", {})
    kind = fields.get("kind") or type(item).__name__
    keys = ", ".join(f"{k}={fields[k]}" for k in KEY_FIELDS if fields.get(k) is not None)
    return f"{kind} item ({keys})" if keys else f"{kind} item"


class ItemSafeLogFormatter(LogFormatter):
    def scraped(self, item, response, spider):
        entry = super().scraped(item, response, spider)
        entry["args"]["item"] = describe(item)
        return entry

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["args"]["item"] = describe(item)
        return entry

    def item_error(self, item, exception, response, spider):
        entry = super().item_error(item, exception, response, spider)
        entry["args"]["item"] = describe(item)
        return entry
