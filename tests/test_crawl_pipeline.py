"""StorePipeline: raw items are normalised and stored through the spool; bad ones are
quarantined with their reason and page, never dropped; buyer names never reach the database."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import Provenance, RawFeedback, RawListing
from crawler.pipeline import StorePipeline
from storage import Spool, Store
from tests.test_crawl_support import TEST_BUYER_KEY, buyer_hash, query

NOW = datetime(2018, 11, 2, 12, tzinfo=timezone.utc)


def raw_listing(listing_id: str, price_text: str) -> RawListing:
    return RawListing(site="bazaar", provenance=Provenance(url=f"http://127.0.0.1:1/listing/{listing_id}",
                                                           fetched_at=NOW, warc_record_id="<urn:uuid:1>",
                                                           warc_file="x.warc.gz", page_sha256="ab" * 32),
                      listing_id=listing_id, title="10g Amnesia Haze", vendor="DutchMasters",
                      category_label="Cannabis", price_text=price_text, rate_text="1 BTC = 5000.00 EUR",
                      quantity_text="10 g", ships_from_text="Netherlands", ships_to_text="Europe")


def _setup(tmp_path) -> tuple[Store, Spool, dict]:
    """A fresh database, a run started in its spool, and the pipeline's settings for it."""
    url = f"sqlite:///{tmp_path / 'v.db'}"
    store = Store(url)
    store.upgrade()
    spool = Spool(tmp_path / "run.jsonl")
    run_key = spool.start_run("bazaar", "bazaar", NOW)
    return store, spool, {"VIGIE_DB_URL": url, "VIGIE_SPOOL_PATH": str(spool.path), "VIGIE_RUN_KEY": run_key,
                          "VIGIE_OBSERVED_AT": NOW.isoformat(), "VIGIE_BATCH_SIZE": 2}


def _crawler(settings: dict):
    crawler = get_crawler(settings_dict=settings)
    crawler._apply_settings()
    return crawler


@pytest.fixture
def pipeline(tmp_path, monkeypatch):
    monkeypatch.setenv("VIGIE_BUYER_KEY", TEST_BUYER_KEY)
    store, _, settings = _setup(tmp_path)
    crawler = _crawler(settings)
    yield StorePipeline.from_crawler(crawler), store, crawler
    store.dispose()


def test_items_are_stored_and_bad_ones_quarantined(pipeline):
    pipe, store, crawler = pipeline
    pipe.process_item(raw_listing("1", "0.01000000 BTC"))
    pipe.process_item(raw_listing("2", "free, ask me"))
    pipe.process_item(RawFeedback(site="bazaar", provenance=raw_listing("1", "x").provenance, listing_id="1",
                                  vendor="DutchMasters", posted_text="yesterday", rating_text="5/5",
                                  text="great", buyer="b***r"))
    pipe.close_spider()
    listing, = query(store.engine, "SELECT listing_id, price_eur, warc_record_id FROM v_listing_daily")
    assert listing[0] == "1" and float(listing[1]) == 50.0 and listing[2] == "<urn:uuid:1>"
    (reason, url, raw), = query(store.engine, "SELECT reason, url, raw FROM quarantine")
    assert reason and "listing/2" in url and "free, ask me" in str(raw)
    (posted_on, bh), = query(store.engine, "SELECT posted_on, buyer_hash FROM v_feedback")
    assert str(posted_on)[:10] == "2018-11-01" and bh == buyer_hash("b***r")
    stats = crawler.stats.get_stats()
    assert (stats["vigie/items/listing"], stats["vigie/items/feedback"], stats["vigie/quarantined"]) == (1, 1, 1)


def test_a_normaliser_crash_quarantines_instead_of_losing(pipeline):
    pipe, store, _ = pipeline

    def broken(raw, ctx):
        raise TypeError("boom")

    pipe.normalise = broken
    pipe.process_item(raw_listing("3", "0.01000000 BTC"))
    pipe.close_spider()
    (reason,), = query(store.engine, "SELECT reason FROM quarantine")
    assert "TypeError: boom" in reason


def test_with_a_background_drainer_the_pipeline_only_appends(tmp_path, monkeypatch):
    """``VIGIE_DRAIN = "background"`` (what crawler.run sets while a drainer process runs):
    batches reach the spool, durable, and the database only through a drain."""
    monkeypatch.setenv("VIGIE_BUYER_KEY", TEST_BUYER_KEY)
    store, spool, settings = _setup(tmp_path)
    pipe = StorePipeline.from_crawler(_crawler({**settings, "VIGIE_DRAIN": "background"}))
    assert pipe.writer.store is None
    for i in range(3):
        pipe.process_item(raw_listing(str(i), "0.00200000 BTC"))
    pipe.close_spider()
    assert query(store.engine, "SELECT count(*) FROM listing_versions") == [(0,)]
    assert [op["op"] for op in spool.pending()] == ["start_run", "items", "items"]
    spool.drain(store)
    assert query(store.engine, "SELECT count(*) FROM listing_versions") == [(3,)]
    store.dispose()

    with pytest.raises(ValueError, match="VIGIE_DRAIN must be 'inline' or 'background'"):
        StorePipeline.from_crawler(_crawler({**settings, "VIGIE_DRAIN": "sometimes"}))
