"""What every Vigie spider shares.

A spider for a new site is one file in ``spiders/`` with one ``VigieSpider`` subclass:
it sets ``name`` (the ``spider`` value of its targets), writes ``async def start()``
and callbacks that copy strings off pages into ``Raw*`` items with ``self.raw(...)``.
It never parses prices, places or dates (the pipeline normalises), never builds URLs
to other hosts (the scope middleware refuses them anyway), and calls
``self.blocked(reason)`` when it meets a CAPTCHA, a ban or a seizure page.  A page it
cannot read whole (``self.unreadable(response)`` says why) is ``self.page_lost(...)``:
the run goes on and ends ``partial`` naming it, instead of passing for a site change.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider

from crawler.items import Provenance, RawFeedback, RawListing, RawPost, RawVendor
from crawler.targets import Target

WARC_META_KEY = "vigie_warc"   # set by crawler.warc's middleware: {"record_id", "file", "sha256"}
BLOCKED_PREFIX = "blocked"     # CloseSpider reasons starting with this end the run as `blocked`

#: lxml (libxml2, huge_tree) stops building a tree this deep: what lies deeper is dropped
PARSER_MAX_DEPTH = 2048

_RAW = {"listing": RawListing, "vendor": RawVendor, "feedback": RawFeedback, "post": RawPost}


class VigieSpider(scrapy.Spider):
    #: set by subclasses: True when some pages need a browser (scrapy-playwright)
    uses_browser: ClassVar[bool] = False

    def __init__(self, target: Target | dict, observed_at: datetime | str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.target = target if isinstance(target, Target) else Target.model_validate(target)
        if isinstance(observed_at, str):
            observed_at = datetime.fromisoformat(observed_at)
        self.observed_at = (observed_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self.site = self.target.key
        self.base_url = self.target.base_urls[0].rstrip("/")

    def option(self, name: str, default: Any = None) -> Any:
        return self.target.options.get(name, default)

    def credentials(self) -> tuple[str, str]:
        if self.target.credentials is None:
            raise CloseSpider(f"failed: target {self.site!r} needs credentials in the targets file")
        return self.target.credentials.resolve()

    def provenance(self, response: scrapy.http.Response) -> Provenance:
        w = response.meta.get(WARC_META_KEY) or {}
        return Provenance(url=response.url, fetched_at=self.observed_at,
                          warc_record_id=w.get("record_id"), warc_file=w.get("file"),
                          page_sha256=w.get("sha256"))

    def raw(self, kind: str, response: scrapy.http.Response, **fields: Any):
        """Build a raw item of ``kind`` (listing|vendor|feedback|post) from ``response``."""
        return _RAW[kind](site=self.site, provenance=self.provenance(response), **fields)

    def unreadable(self, response: scrapy.http.Response) -> str | None:
        """Why ``response`` cannot be read whole, or None.  Call it on a page that is not
        what it should be (cheap for the page, costly to run on every page): a page nested
        as deep as the parser goes has lost what lay deeper, and reads as a changed layout."""
        if tree_depth(response.selector.root) >= PARSER_MAX_DEPTH:
            return f"nested beyond the parser's depth limit ({PARSER_MAX_DEPTH} elements)"
        return None

    def page_lost(self, response: scrapy.http.Response, why: str) -> None:
        """Count ``response`` as a lost page (the run ends ``partial``, naming it) and go on."""
        lost_pages = getattr(self.crawler, "lost_pages", None)   # crawler.run.LostPages
        if lost_pages is not None:
            lost_pages.lose(response.url, why)
        else:                     # a spider run outside run_target: said, never silent
            self.crawler.stats.inc_value(f"vigie/lost/{why}")
            self.logger.error("page lost: %s (%s)", response.url, why)

    def blocked(self, reason: str) -> None:
        """End the run as ``blocked`` (CAPTCHA, ban, seizure banner). Never bypass it."""
        raise CloseSpider(f"{BLOCKED_PREFIX}: {reason}")


def tree_depth(root) -> int:
    """The depth of an lxml tree (the root counts 1), without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest
