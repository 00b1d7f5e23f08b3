"""Scrapy settings for one crawl run of one target.

Components are configured here, as in any Scrapy project; ``build_settings`` adds what
depends on the target (politeness, User-Agent, browser) and on the run (pipeline on/off).
"""
from __future__ import annotations

from typing import Any

from crawler.targets import Target, TargetsFile

CHROMIUM = "/usr/bin/chromium"

BASE: dict[str, Any] = {
    "BOT_NAME": "vigie",
    "SPIDER_MODULES": ["spiders"],
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": True,
    "TELNETCONSOLE_ENABLED": False,
    # Scrapy ≥ 2.19 starts, in every crawl, an HTTP server on localhost that runs any Python
    # code sent with the token it writes under the user's home: not in an unattended crawler
    "REMOTE_CONTROL_ENABLED": False,
    "LOG_LEVEL": "INFO",
    # items are logged by kind and key, never in full (buyer pseudonyms are in raw feedback)
    "LOG_FORMATTER": "crawler.logformatter.ItemSafeLogFormatter",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 3,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
    "HTTPERROR_ALLOW_ALL": False,
    "DOWNLOAD_WARNSIZE": 0,
    "AUTOTHROTTLE_ENABLED": False,
    # outputs of one response processed in parallel; Scrapy starts this many asyncio tasks
    # per response whatever it yields (default 100: ~1.4 ms per page, bench/bench_crawl.py)
    # and the item pipeline is synchronous, so a few are enough
    "CONCURRENT_ITEMS": 4,
    "DNS_TIMEOUT": 10,
}

BROWSER: dict[str, Any] = {
    "DOWNLOAD_HANDLERS": {
        "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    },
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    "PLAYWRIGHT_LAUNCH_OPTIONS": {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
    "PLAYWRIGHT_MAX_CONTEXTS": 2,
    "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
    # the scope inside the browser (crawler.browser): a second check in scrapy-playwright's
    # own route handler, and no service workers in any context
    "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.abort_off_scope",
}

#: Vigie's downloader middlewares, by priority (lower runs first on requests, last on responses)
DOWNLOADER_MIDDLEWARES: dict[str, int] = {
    "crawler.middlewares.ScopeMiddleware": 50,      # before robots.txt (100) and anything that sends
    "crawler.retry_after.RetryAfterMiddleware": 560,  # between Retry (550) and Redirect (600)
    "crawler.warc.WarcMiddleware": 950,             # next to the downloader: responses as received
}

SPIDER_MIDDLEWARES: dict[str, int] = {
    "crawler.request_encoding.RequestEncodingMiddleware": 800,   # before Referer (700) encodes a header
}


def build_settings(target: Target, targets_file: TargetsFile, spider_cls: type | None = None,
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
    p = target.politeness
    s = dict(BASE)
    s.update({
        "USER_AGENT": targets_file.user_agent,
        "CONCURRENT_REQUESTS": p.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": p.concurrency,
        "DOWNLOAD_DELAY": p.delay,
        "DOWNLOAD_TIMEOUT": p.timeout,
        "DOWNLOAD_MAXSIZE": p.max_response_bytes,
        "CLOSESPIDER_PAGECOUNT": p.max_pages,
    })
    if spider_cls is not None and getattr(spider_cls, "uses_browser", False):
        s.update(BROWSER)
        from crawler.browser import BROWSER_CONTEXT
        s["PLAYWRIGHT_CONTEXTS"] = {"default": {**BROWSER_CONTEXT, "user_agent": targets_file.user_agent}}
    s.update(extra or {})
    return s


def component_settings(pipeline: bool = True, warc_dir: str | None = None) -> dict[str, Any]:
    """Vigie's components for a crawl: the scope check (always), Retry-After, the WARC
    archive (when ``warc_dir`` is given) and the storing pipeline (``pipeline``)."""
    middlewares = dict(DOWNLOADER_MIDDLEWARES)
    if not warc_dir:
        middlewares.pop("crawler.warc.WarcMiddleware")
    out: dict[str, Any] = {"DOWNLOADER_MIDDLEWARES": middlewares, "SPIDER_MIDDLEWARES": dict(SPIDER_MIDDLEWARES)}
    if warc_dir:
        out["VIGIE_WARC_DIR"] = str(warc_dir)
    if pipeline:
        out["ITEM_PIPELINES"] = {"crawler.pipeline.StorePipeline": 300}
    return out
