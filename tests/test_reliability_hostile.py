"""Hostile pages (tests/hostile_site.py, served by uvicorn on loopback, crawled by the real
bazaar spider through the whole run: pipeline, spool, WARC, database): malformed and huge
HTML, wrong encodings, a gzip bomb, redirect loops, a page that never ends, endless
pagination.  Each page ends stored, quarantined with a reason, or listed among the run's
missing pages with its cause — never a crash, a hang or a silent drop — and endless
crawls stop at their bound with a clear status.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from mock_sites.server import serve_apps
from storage import Store
from tests.hostile_site import CASES, MAX_RESPONSE_BYTES, TIMEOUT, UTF16_VENDOR, endless_app, hostile_app
from tests.reliability_support import record_figures, run_crawl, targets_text
from tests.test_crawl_support import query

pytestmark = pytest.mark.reliability

NOW = datetime(2019, 1, 2, 12, tzinfo=timezone.utc)
STORED = {"ok-1", "ok-2", "deep", "latin1-as-utf8", "utf16"}
QUARANTINED = {"malformed": "price: missing currency", "long-title": "title: text too long",
               "utf8-as-latin1": "price: missing currency in 'â‚¬45.00'"}
LOST = {"huge": "DownloadCancelledError", "gzip-bomb": "dropped without an answer",
        "redirect-loop": "redirect loop or too many redirects", "redirect-chain": "redirect loop or too many redirects",
        "trickle": "DownloadTimeoutError", "too-deep": "nested beyond the parser's depth limit"}


def crawl(app, tmp_path, **politeness) -> tuple[dict, sa.engine.Engine, str]:
    db = f"sqlite:///{tmp_path / 'vigie.db'}"
    Store(db).upgrade()
    with serve_apps({"hostile": app}) as urls:
        targets = tmp_path / "targets.toml"
        targets.write_text(targets_text(urls, spiders={"hostile": "bazaar"}, timeout=TIMEOUT,
                                        max_response_bytes=MAX_RESPONSE_BYTES, **politeness))
        started = time.monotonic()
        result = run_crawl("hostile", targets, db, NOW, tmp_path, log=tmp_path / "crawl.log", timeout=240)
        result["seconds"] = time.monotonic() - started
    return result, sa.create_engine(db), urls["hostile"]


def test_every_hostile_page_is_stored_quarantined_or_listed_lost(tmp_path):
    assert set(STORED) | set(QUARANTINED) | set(LOST) == set(CASES)
    result, engine, base = crawl(hostile_app(), tmp_path)
    page = {case: f"{base}/listing/{case}" for case in CASES}

    stored = {lid for lid, in query(engine, "SELECT listing_id FROM v_listing_daily")}
    quarantined = dict(query(engine, "SELECT url, reason FROM quarantine"))
    missing = set(result["missing"])
    assert stored == STORED
    assert set(quarantined) == {page[c] for c in QUARANTINED}
    for case, why in QUARANTINED.items():
        assert quarantined[page[case]].startswith(why), (case, quarantined[page[case]])
    # the vendor linked only from the UTF-16 page is fetched too (its request once carried
    # UTF-16-encoded headers, which Twisted refused: InvalidHeaderName)
    vendors = {h for h, in query(engine, "SELECT handle FROM v_vendor_daily")}
    assert vendors == {"HostileVendor", UTF16_VENDOR}
    assert missing == {page[c] for c in LOST}
    assert (result["status"], result["exit_code"]) == ("partial", 1)
    for why in set(LOST.values()):
        assert why in result["reason"]
    assert query(engine, "SELECT status, missing IS NOT NULL FROM crawl_runs") == [("partial", 1)]
    # the text read through a wrong declared charset is kept, replacement characters and all
    (title,), = query(engine, "SELECT title FROM v_listing_daily WHERE listing_id = 'latin1-as-utf8'")
    assert title == "Coca\ufffdne pure, tr\ufffds bonne"
    (title,), = query(engine, "SELECT title FROM v_listing_daily WHERE listing_id = 'utf16'")
    assert title == "Cocaïne UTF-16"
    engine.dispose()
    record_figures("hostile-pages", {"pages": len(CASES), "stored": len(stored), "quarantined": len(quarantined),
                                     "listed_lost": len(missing), "vendors_stored": len(vendors),
                                     "silently_dropped": 0, "status": result["status"],
                                     "seconds": round(result["seconds"], 1)})


@pytest.mark.parametrize("bound, politeness, words", [
    ("max_pages", {"max_pages": 40}, "page limit reached"),
    ("time_limit", {"time_limit": 8}, "time limit reached"),
])
def test_endless_pagination_stops_at_its_bound(bound, politeness, words, tmp_path):
    result, engine, _ = crawl(endless_app(), tmp_path, **politeness)
    assert (result["status"], result["exit_code"]) == ("partial", 1) and words in result["reason"]
    assert result["missing"] == []
    if bound == "max_pages":
        assert 40 <= result["pages"] <= 40 + 8                 # at most the requests in flight beyond it
    assert result["seconds"] < 120
    n = query(engine, "SELECT count(*) FROM v_listing_daily")[0][0]
    assert n > 0 and query(engine, "SELECT status, reason FROM crawl_runs") == [("partial", result["reason"])]
    engine.dispose()
    record_figures(f"endless-{bound}", {"pages": result["pages"], "listings_stored": n, "status": result["status"],
                                         "reason": result["reason"], "seconds": round(result["seconds"], 1)})


def test_a_page_too_deep_for_the_parser_is_lost_and_the_run_goes_on(tmp_path):
    """20,000 nested elements: lxml stops building the tree, so the page's layout cannot be
    recognised.  The spider tells it from a changed site (the tree is as deep as the parser
    goes): the page is lost, named in the run's missing pages, the rest stored; one hostile
    page no longer fails every run of a site."""
    result, engine, base = crawl(hostile_app(("ok-1", "too-deep")), tmp_path)
    assert (result["status"], result["exit_code"]) == ("partial", 1)
    assert result["missing"] == [f"{base}/listing/too-deep"]
    assert "1 page(s) lost: 1 × nested beyond the parser's depth limit (2048 elements)" in result["reason"]
    assert query(engine, "SELECT listing_id FROM v_listing_daily") == [("ok-1",)]
    assert query(engine, "SELECT status FROM crawl_runs") == [("partial",)]
    engine.dispose()
    record_figures("too-deep", {"status": result["status"], "reason": result["reason"]})


def test_lost_page_accounting_of_redirects_and_dropped_responses():
    """The rules behind the figures above, one by one (crawler.run.LostPages)."""
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Response

    from crawler.run import LostPages
    mw = LostPages(SimpleNamespace(spider=SimpleNamespace(), stats=SimpleNamespace(inc_value=lambda k: None)))

    def hop(url, *chain):
        return Request(f"http://x/{url}", meta={"redirect_urls": [f"http://x/{c}" for c in chain]} if chain else {})

    def send(url, *chain):
        mw.process_request(hop(url, *chain))

    send("a"), send("b", "a")
    mw.request_dropped(hop("a", "a", "b"))                     # a → b → a: the loop is filtered
    send("d"), mw.process_response(hop("d"), Response("http://x/d"))
    send("c"), mw.request_dropped(hop("d", "c"))               # c → d, already fetched: fine
    send("e"), send("f"), mw.request_dropped(hop("f", "e"))    # e → f, being fetched ...
    mw.process_response(hop("f"), Response("http://x/f"))      # ... and fetched: fine
    send("g"), send("h", "g"), mw.process_exception(hop("h", "g"), IgnoreRequest("off scope"))   # refused
    send("i")                                                  # dropped after download (gzip bomb)
    send("j"), send("j1", "j")                                 # too many redirects after j1
    mw.process_request(Request("http://x/robots.txt", meta={"dont_obey_robotstxt": True}))
    mw.spider_closed()
    assert mw.lost == {"http://x/a": LostPages.REDIRECT_DROP, "http://x/i": LostPages.OTHER_DROP,
                       "http://x/j": LostPages.REDIRECT_DROP}
