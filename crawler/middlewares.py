"""``ScopeMiddleware``: the scope check for every request Scrapy sends.

First downloader middleware (priority 50): every request passes it before anything is
sent — the spider's own requests, redirects (``RedirectMiddleware`` schedules a new
request), meta refreshes, robots.txt fetches, retries and browser navigations
(``meta["playwright"]``).  A request outside the target's authorised scope
(``crawler.scope``) is refused with ``IgnoreRequest``, counted
(``vigie/scope/refused``) and logged with the URL; it is never sent.

For browser-rendered requests it also installs ``crawler.browser``'s guard on the page,
which applies the same scope to every request the page makes (sub-resources, fetch/XHR,
iframes, JavaScript navigation, redirects, WebSockets).

The scope is the spider's target (``spider.target.authorisation.scope``).  A spider
without a target is refused everything unless the ``VIGIE_SCOPE`` setting lists host
patterns (benchmarks and tests): the check fails closed.
"""
from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from crawler import browser
from crawler.scope import Scope

logger = logging.getLogger(__name__)

REFUSED_STAT = "vigie/scope/refused"


class OffScopeRequest(IgnoreRequest):
    """A request outside the authorised scope (never sent)."""


class ScopeMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.scope: Scope | None = None
        patterns = crawler.settings.getlist("VIGIE_SCOPE")
        if patterns:
            self.scope = Scope(patterns)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        target = getattr(spider, "target", None)
        if target is not None:
            self.scope = Scope.of_target(target)
        if self.scope is None:
            logger.error("spider %s has no target and VIGIE_SCOPE is empty: every request is refused", spider.name)
        else:
            browser.activate(self.scope, self.crawler.stats)
            logger.info("scope of this run: %s", ", ".join(self.scope.text))

    def process_request(self, request, spider=None):
        if self.scope is None or not self.scope.allows(request.url):
            self.crawler.stats.inc_value(REFUSED_STAT)
            logger.warning("refused off-scope request %s (scope: %s)", request.url,
                           ", ".join(self.scope.text) if self.scope else "none")
            raise OffScopeRequest(f"off scope: {request.url}")
        if request.meta.get("playwright"):
            browser.guard_request(request)
        return None
