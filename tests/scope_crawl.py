"""A deliberately naive spider for scope tests, run in its own process.

It follows every link it sees (in scope or not), requests pages both plainly and through
the browser, and waits on rendered pages long enough for their scripts to try everything
(fetch, XHR, WebSocket, navigation, pop-ups, service workers).  Only Vigie's scope
check stands between it and the canary server.

``python -m tests.scope_crawl TARGETS_FILE KEY OUT.json`` writes the crawl's stats.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import scrapy
from scrapy_playwright.page import PageMethod

from spiders.base import VigieSpider

BROWSER_PAGES = ("/js", "/popup")


class ScopeProbe(VigieSpider):
    name = "scope_probe"
    uses_browser = True

    async def start(self):
        yield scrapy.Request(f"{self.base_url}/", callback=self.parse)
        for path in BROWSER_PAGES:
            yield scrapy.Request(f"{self.base_url}{path}", callback=self.parse, meta={
                "playwright": True,
                "playwright_page_methods": [PageMethod("wait_for_timeout", 1500)]})

    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse)
        # a naive spider would also fetch scripts and images itself
        for src in response.css("script::attr(src), img::attr(src), iframe::attr(src)").getall():
            yield response.follow(src, callback=self.parse)


def main(targets_path: str, key: str, out: str) -> None:
    from scrapy.crawler import CrawlerProcess

    from crawler.settings import build_settings, component_settings
    from crawler.targets import load_targets

    tf = load_targets(targets_path)
    target = tf.get(key)
    settings = build_settings(target, tf, ScopeProbe, {"LOG_LEVEL": __import__("os").environ.get("VIGIE_LOG_LEVEL", "WARNING")})
    settings.update(component_settings(pipeline=False))
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ScopeProbe)
    process.crawl(crawler, target=target)
    process.start()
    stats = {k: v for k, v in (crawler.stats.get_stats() or {}).items() if isinstance(v, (int, float, str))}
    Path(out).write_text(json.dumps(stats))


if __name__ == "__main__":
    main(*sys.argv[1:4])
