"""``StorePipeline``: raw items → normalised items → durable spool → database.

Every raw item a spider yields goes through ``crawler.normalise.normalise_item``.  A
normalised item is buffered; a ``QuarantineError`` (or a validation error) becomes a
``crawler.items.Quarantined`` record with the reason and the page it came from — never
dropped.  Buffers are flushed every ``VIGIE_BATCH_SIZE`` items and when the spider closes:

1. the batch is appended to the run's spool file (``storage.spool.Spool``: fsync'ed before
   the call returns, so a crash or a database outage after that loses nothing);
2. the spool is drained into the database (``Store``).  In a crawl run (``crawler.run``)
   a drainer process does it beside the crawl (``storage.drainer``; ``VIGIE_DRAIN =
   "background"``), so the database's work never holds up the crawl's event loop.
   Otherwise (``VIGIE_DRAIN = "inline"``, the default) the pipeline drains after each
   batch.  When the database is unreachable the drain is skipped, retried after a back-off
   (1 s doubling to 30 s), and everything stays in the spool.  ``crawler.run`` drains once
   more at the end of the run (waiting up to ``--drain-wait`` seconds for the database);
   what still cannot be written stays in the spool file for ``vigie drain`` or the next run
   of the site.

Settings (set by ``crawler.run``): ``VIGIE_DB_URL``, ``VIGIE_SPOOL_PATH`` (the run's
spool file), ``VIGIE_RUN_KEY`` (the run, already started in the spool or the database),
``VIGIE_OBSERVED_AT`` (ISO crawl clock), ``VIGIE_BUYER_KEY_ENV`` (name of the environment
variable holding the buyer-hash key, default ``VIGIE_BUYER_KEY``), ``VIGIE_BATCH_SIZE``
(default 500), ``VIGIE_DRAIN`` (``inline`` or ``background``).  Stats:
``vigie/items/<kind>``, ``vigie/quarantined``, ``vigie/quarantined/<kind>``,
``vigie/spool/batches``, ``vigie/db/drain_failed``.
"""
from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timezone

from pydantic import ValidationError

from crawler.items import Quarantined, QuarantineError

logger = logging.getLogger(__name__)

DEFAULT_BUYER_KEY_ENV = "VIGIE_BUYER_KEY"
DEFAULT_BATCH_SIZE = 500
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0


class BuyerKeyMissing(RuntimeError):
    """The environment variable that should hold the buyer-hash key is not set."""


def buyer_key_from_env(env_name: str | None = None) -> bytes:
    """The key that hashes buyer pseudonyms (HMAC-SHA256), read from ``env_name``."""
    env_name = env_name or DEFAULT_BUYER_KEY_ENV
    value = os.environ.get(env_name)
    if not value:
        raise BuyerKeyMissing(f"environment variable {env_name} (the buyer-hash key) is not set: buyer "
                              "pseudonyms are only ever stored as keyed hashes, so a key is required")
    return value.encode("utf-8")


class SpoolWriter:
    """Batches for one run: append to the spool (durable), then try to drain it into the
    database, backing off while the database is unreachable.  With ``store`` None it only
    appends: a drainer process writes to the database (``storage.drainer``)."""

    def __init__(self, spool, store, run_key: str, stats=None):
        self.spool, self.store, self.run_key, self.stats = spool, store, run_key, stats
        self._next_try = 0.0
        self._backoff = BACKOFF_FIRST
        self.last_error: str | None = None

    def write(self, items: list, quarantined: list) -> None:
        if items:
            self.spool.write_items(self.run_key, items)
        if quarantined:
            self.spool.write_quarantine(self.run_key, quarantined)
        self._inc("vigie/spool/batches")
        if self.store is not None:
            self.drain()

    def drain(self, force: bool = False) -> bool:
        """Drain the spool into the database; True when nothing is left pending."""
        if not force and time.monotonic() < self._next_try:
            return False
        from sqlalchemy.exc import DBAPIError
        try:
            self.spool.drain(self.store)
        except (DBAPIError, OSError) as exc:
            self.last_error = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}"
            logger.warning("database unreachable, items kept in the spool %s (%s); retrying in %.0f s",
                           self.spool.path, self.last_error, self._backoff)
            self._inc("vigie/db/drain_failed")
            self._next_try = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)
            return False
        self._backoff, self._next_try, self.last_error = BACKOFF_FIRST, 0.0, None
        return True

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


class StorePipeline:
    """Scrapy item pipeline (see the module docstring)."""

    def __init__(self, crawler, writer: SpoolWriter, observed_at: datetime, buyer_key: bytes,
                 batch_size: int = DEFAULT_BATCH_SIZE):
        from crawler.normalise import NormaliseContext, normalise_item
        self.crawler = crawler
        self.stats = crawler.stats
        self.writer = writer
        self.ctx = NormaliseContext(observed_at=observed_at, buyer_key=buyer_key)
        self.normalise = normalise_item
        self.batch_size = batch_size
        self.items: list = []
        self.quarantined: list = []

    @classmethod
    def from_crawler(cls, crawler):
        from storage import Store
        from storage.spool import Spool
        s = crawler.settings
        missing = [k for k in ("VIGIE_SPOOL_PATH", "VIGIE_RUN_KEY") if not s.get(k)]
        if missing:
            raise RuntimeError(f"StorePipeline needs the settings {', '.join(missing)} (set by crawler.run)")
        observed = s.get("VIGIE_OBSERVED_AT")
        observed_at = datetime.fromisoformat(observed) if observed else datetime.now(timezone.utc)
        drain = s.get("VIGIE_DRAIN", "inline")
        if drain not in ("inline", "background"):
            raise ValueError(f"VIGIE_DRAIN must be 'inline' or 'background', not {drain!r}")
        store = Store(s.get("VIGIE_DB_URL")) if drain == "inline" else None
        writer = SpoolWriter(Spool(s.get("VIGIE_SPOOL_PATH")), store, s.get("VIGIE_RUN_KEY"), crawler.stats)
        return cls(crawler, writer, observed_at, buyer_key_from_env(s.get("VIGIE_BUYER_KEY_ENV")),
                   s.getint("VIGIE_BATCH_SIZE", DEFAULT_BATCH_SIZE))

    def process_item(self, item, spider=None):
        try:
            normalised = self.normalise(item, self.ctx)
        except Exception as exc:  # noqa: BLE001 - a normaliser bug quarantines the item, never loses it
            self.quarantine(item, exc)
        else:
            self.items.append(normalised)
            self.stats.inc_value(f"vigie/items/{normalised.kind}")
        if len(self.items) + len(self.quarantined) >= self.batch_size:
            self.flush()
        return item

    def quarantine(self, item, exc: Exception) -> None:
        if isinstance(exc, QuarantineError):
            reason = exc.reason
        elif isinstance(exc, ValidationError):
            reason = "invalid: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        else:
            reason = f"normaliser error: {exc.__class__.__name__}: {exc}"
        kind = getattr(item, "kind", None) or "unknown"
        raw = item.model_dump(mode="json", exclude={"provenance"}) if hasattr(item, "model_dump") else dict(item)
        self.quarantined.append(Quarantined(site=item.site, kind=kind, reason=str(reason)[:2000],
                                            provenance=item.provenance, raw=raw))
        self.stats.inc_value("vigie/quarantined")
        self.stats.inc_value(f"vigie/quarantined/{kind}")
        logger.info("quarantined %s from %s: %s", kind, item.provenance.url, reason)

    def flush(self) -> None:
        items, quarantined = self.items, self.quarantined
        self.items, self.quarantined = [], []
        if items or quarantined:
            self.writer.write(items, quarantined)

    def close_spider(self, spider=None):
        self.flush()
