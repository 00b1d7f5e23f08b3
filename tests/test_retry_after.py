"""RetryAfterMiddleware: waits what Retry-After asks, retries, counts, and gives up in time.

The crawl runs in a subprocess (a Twisted reactor cannot restart); the child is this
module: ``python -m tests.test_retry_after URL OUT.json``.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from werkzeug import Response as WResponse

from crawler.retry_after import RetryAfterMiddleware, retry_after_seconds

ROOT = Path(__file__).resolve().parent.parent


def run_crawl(url: str, tmp_path: Path, **settings) -> dict:
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "tests.test_retry_after", url, str(out), json.dumps(settings)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_waits_twice_then_gets_the_page(httpserver, tmp_path):
    too_many = WResponse("slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request("/page").respond_with_response(too_many)
    httpserver.expect_ordered_request("/page").respond_with_response(too_many)
    httpserver.expect_ordered_request("/page").respond_with_data("<p>the page</p>", content_type="text/html")

    result = run_crawl(httpserver.url_for("/page"), tmp_path)

    assert result["bodies"] == ["<p>the page</p>"]
    assert result["stats"]["vigie/retry_after/count"] == 2
    assert result["stats"]["vigie/retry_after/waited_seconds"] == 2
    assert "vigie/retry_after/gave_up" not in result["stats"]
    assert len(httpserver.log) == 3
    httpserver.check_assertions()


def test_gives_up_after_max_times_and_passes_the_response_on(httpserver, tmp_path):
    httpserver.expect_request("/page").respond_with_response(
        WResponse("slow down", status=429, headers={"Retry-After": "0"}))

    result = run_crawl(httpserver.url_for("/page"), tmp_path, RETRY_AFTER_MAX_TIMES=2)

    assert result["statuses"] == [429]
    assert result["stats"]["vigie/retry_after/count"] == 2
    assert result["stats"]["vigie/retry_after/gave_up"] == 1
    assert len(httpserver.log) == 3


# -- the middleware alone ------------------------------------------------------------------

def middleware(**kwargs) -> RetryAfterMiddleware:
    return RetryAfterMiddleware(get_crawler().stats, **kwargs)


def respond(status: int, headers: dict | None = None, meta: dict | None = None):
    request = Request("http://127.0.0.1:1/x", meta=meta or {})
    response = HtmlResponse(request.url, status=status, headers=headers or {}, body=b"", request=request)
    return request, response


def test_header_values():
    now = datetime(2019, 1, 12, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"1") == 1.0
    assert retry_after_seconds(" 2.5 ") == 2.5
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize("status, headers, expected", [
    (429, {"Retry-After": "0"}, "retry"),
    (429, {}, "retry"),                        # no header: the default wait (1 s)
    (503, {"Retry-After": "0"}, "retry"),
    (503, {}, "pass"),                         # plain 503: Scrapy's RetryMiddleware handles it
    (200, {"Retry-After": "0"}, "pass"),
    (503, {"Retry-After": "3600"}, "pass"),    # longer than RETRY_AFTER_MAX_SECONDS: not waited for
])
def test_what_is_retried(status, headers, expected):
    mw = middleware(max_seconds=60, max_times=5)
    request, response = respond(status, headers)
    result = asyncio.run(mw.process_response(request, response))
    if expected == "retry":
        assert isinstance(result, Request) and result.dont_filter and result.meta["retry_after_times"] == 1
        assert mw.stats.get_value("vigie/retry_after/count") == 1
    else:
        assert result is response


def test_default_delay_and_limits():
    mw = middleware(max_seconds=60, max_times=2)
    assert mw.delay_for(respond(429)[1]) == 1.0
    request, response = respond(429, {"Retry-After": "0"}, meta={"retry_after_times": 2})
    assert asyncio.run(mw.process_response(request, response)) is response
    assert mw.stats.get_value("vigie/retry_after/gave_up/max_times") == 1
    request, response = respond(503, {"Retry-After": "3600"})
    assert asyncio.run(mw.process_response(request, response)) is response
    assert mw.stats.get_value("vigie/retry_after/gave_up/too_long") == 1


# -- child process ---------------------------------------------------------------------------

def _child(url: str, out: str, extra: str) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    result: dict = {"bodies": [], "statuses": []}

    class OnePage(scrapy.Spider):
        name = "one_page"

        async def start(self):
            yield scrapy.Request(url, callback=self.parse, meta={"handle_httpstatus_all": True})

        def parse(self, response):
            result["statuses"].append(response.status)
            if response.status == 200:
                result["bodies"].append(response.text)

    settings = {"TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
                "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                "RETRY_HTTP_CODES": [500, 502, 503, 504],
                "DOWNLOADER_MIDDLEWARES": {"crawler.retry_after.RetryAfterMiddleware": 560},
                **json.loads(extra)}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(OnePage)
    process.crawl(crawler)
    process.start()
    result["stats"] = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("vigie/")}
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    _child(*sys.argv[1:4])
