"""The crawl run's own logic without a crawl: status decisions, lost-page accounting, the
spool writer through a database outage, and refusals (no run recorded)."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet.error import TimeoutError as TxTimeout

from crawler.pipeline import SpoolWriter
from crawler.run import EXIT_CODES, LostPages, RunOutcome, decide_status, run_target
from storage import Spool, Store
from tests.test_storage_support import day_at, listing, scalar

NOW = datetime(2018, 11, 1, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("finish, lost, errors, items, status, words", [
    ("finished", {}, 0, 10, "complete", None),
    ("finished", {"http://x/a": "HTTP 503", "http://x/b": "HTTP 503"}, 0, 10, "partial", "2 × HTTP 503"),
    ("finished", {"http://x/": "HTTP 502"}, 0, 0, "partial", "http://x/"),
    ("finished", {"http://x/a": "TimeoutError"}, 0, 3, "partial", "TimeoutError"),
    ("finished", {}, 2, 5, "partial", "2 × spider error"),
    ("finished", {}, 2, 0, "failed", "raised on 2 page"),
    ("blocked: CAPTCHA page at http://x/", {}, 0, 4, "blocked", "CAPTCHA"),
    ("failed: login refused", {"http://x/": "HTTP 503"}, 0, 0, "failed", "login refused"),
    ("closespider_timeout", {}, 0, 9, "partial", "time limit"),
    ("shutdown", {}, 0, 9, "partial", "interrupted"),
    ("cancelled", {}, 0, 9, "failed", "cancelled"),
    (None, {}, 0, 0, "failed", "did not start"),
])
def test_status_decision(finish, lost, errors, items, status, words):
    got, reason = decide_status(finish, lost, errors, 0, items)
    assert got == status
    assert (reason is None) if words is None else (words in reason)


def test_partial_reason_lists_some_urls_and_counts_the_rest():
    lost = {f"http://x/p{i:02d}": "HTTP 503" for i in range(12)}
    status, reason = decide_status("finished", lost)
    assert status == "partial"
    assert "12 page(s) lost" in reason and "http://x/p00" in reason and "(+7 more)" in reason


def test_render_failures_make_a_run_partial():
    assert decide_status("finished", {}, unrendered=1)[0] == "partial"


def _mw():
    stats = {}
    crawler = SimpleNamespace(spider=SimpleNamespace(handle_httpstatus_list=[]),
                              stats=SimpleNamespace(inc_value=lambda k: stats.__setitem__(k, stats.get(k, 0) + 1)))
    return LostPages(crawler), stats


@pytest.mark.reliability
def test_lost_pages_counts_final_errors_until_a_retry_succeeds():
    mw, stats = _mw()
    a, b = Request("http://x/a"), Request("http://x/b", meta={"handle_httpstatus_list": [302]})
    mw.process_response(a, Response(a.url, status=503))
    mw.process_response(b, Response(b.url, status=302))          # the spider handles it
    mw.process_exception(Request("http://x/c"), TxTimeout(), None)
    mw.process_exception(Request("http://x/d"), IgnoreRequest(), None)   # robots.txt / scope: not lost
    robots = Request("http://x/robots.txt", meta={"dont_obey_robotstxt": True})
    mw.process_response(robots, Response(robots.url, status=404))
    assert mw.lost == {"http://x/a": "HTTP 503", "http://x/c": "TimeoutError"}
    mw.process_response(a, Response(a.url, status=200))          # rendered again, fine this time
    assert set(mw.lost) == {"http://x/c"}
    assert stats == {"vigie/lost/HTTP 503": 1, "vigie/lost/TimeoutError": 1}


def test_outcome_exit_codes():
    assert RunOutcome("s", "partial").exit_code == EXIT_CODES["partial"] == 1
    assert RunOutcome("s", "complete", spooled=True).exit_code == 5
    assert RunOutcome("s", "refused").exit_code == 4


class _Switch:
    def __init__(self, store):
        self.store = store

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_spool_writer_keeps_batches_through_an_outage(tmp_path):
    good = Store(f"sqlite:///{tmp_path / 'v.db'}")
    good.upgrade()
    store = _Switch(good)
    spool = Spool(tmp_path / "run.jsonl")
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    writer = SpoolWriter(spool, store, run)
    writer.write([listing("1")], [])
    assert scalar(good, "SELECT count(*) FROM listing_versions") == 1
    store.store = Store(f"sqlite:///{tmp_path}/missing-dir/x.db")   # the database goes away
    writer.write([listing("2"), listing("3")], [])
    assert writer.last_error and len(spool.pending()) == 1
    writer.write([listing("4")], [])                                # backing off: not even tried
    assert len(spool.pending()) == 2
    store.store = good                                              # back
    assert writer.drain(force=True) and spool.pending() == []
    assert scalar(good, "SELECT count(*) FROM listing_versions") == 4


def _targets(tmp_path, expires="2099-12-31"):
    path = tmp_path / "targets.toml"
    path.write_text(f"""[operator]
contact = "mailto:t@example.org"
[[target]]
key = "bazaar"
spider = "bazaar"
base_urls = ["http://127.0.0.1:9/"]
[target.authorisation]
owner = "tests"
reference = "T-1"
scope = ["127.0.0.1:9"]
expires = {expires}
""")
    return path


@pytest.mark.reliability
@pytest.mark.parametrize("case", ["expired", "unknown-target", "no-buyer-key", "older-than-last-run"])
def test_refused_runs_start_nothing(tmp_path, monkeypatch, case):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    store = Store(db)
    store.upgrade()
    monkeypatch.setenv("VIGIE_BUYER_KEY", "k")
    key, now = "bazaar", NOW
    if case == "expired":
        targets = _targets(tmp_path, "2001-01-01")
    else:
        targets = _targets(tmp_path)
    if case == "unknown-target":
        key = "nowhere"
    if case == "no-buyer-key":
        monkeypatch.delenv("VIGIE_BUYER_KEY")
    if case == "older-than-last-run":
        store.finish_run(store.start_run("bazaar", "bazaar", day_at(3)), "complete")
    out = run_target(key, targets, db, now, spool_dir=tmp_path / "spool")
    assert out.status == "refused" and out.exit_code == 4
    assert {"expired": "expired on 2001-01-01", "unknown-target": "no target 'nowhere'",
            "no-buyer-key": "VIGIE_BUYER_KEY", "older-than-last-run": "older than a run"}[case] in out.reason
    assert scalar(store, "SELECT count(*) FROM crawl_runs") == (1 if case == "older-than-last-run" else 0)
    assert not list((tmp_path / "spool").glob("*/*.jsonl"))


def test_requests_followed_from_a_utf16_page_are_made_in_utf8():
    from scrapy.http import HtmlResponse

    from crawler.request_encoding import RequestEncodingMiddleware, utf8_request
    body = '<html><body><a href="/vendor/V">V</a></body></html>'.encode("utf-16")
    page = HtmlResponse("http://127.0.0.1:1/listing/x", body=body, headers={"Content-Type": "text/html"})
    followed = page.follow("/vendor/V")
    assert followed.encoding.lower().replace("_", "-").startswith("utf-16")   # what Scrapy does
    followed.headers["Referer"] = page.url
    assert b"Referer" not in followed.headers                    # the name went out in UTF-16

    fixed = utf8_request(page.follow("/vendor/V"))
    fixed.headers["Referer"] = page.url
    assert fixed.encoding == "utf-8" and fixed.headers[b"Referer"] == page.url.encode()
    assert fixed.url == "http://127.0.0.1:1/vendor/V"
    same = page.replace(body=b"<a href='/v'>v</a>", encoding="utf-8").follow("/v")
    out = list(RequestEncodingMiddleware().process_spider_output(page, [same, {"item": 1}]))
    assert out[0] is same and out[1] == {"item": 1}
