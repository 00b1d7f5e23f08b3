"""``Store``: the one writer of the database (runs, items, quarantine, run outcome)."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.engine import Connection

from crawler import items as it
from storage import models as m
from storage.db import make_engine, resolve_url, run_in_transaction, transaction
from storage.ids import account_id, listing_uid
from storage.intervals import IntervalStats, Observation, apply_observations, canonical, close_unseen

FINAL_STATUSES = ("complete", "partial", "blocked", "failed")
_ITEM = TypeAdapter(it.Item)
_QUARANTINED = TypeAdapter(it.Quarantined)
# keys of raw (un-normalised) items that hold a buyer's name in clear: never stored
BUYER_KEYS = ("buyer",)
T = {name: table for name, table in m.Base.metadata.tables.items()}


class RunOrderError(ValueError):
    """A run is older than a run already recorded for its site (history is written forward)."""


class RunStateError(ValueError):
    """The run does not exist, belongs to another site, or was already finished differently."""


def utc(value: datetime) -> datetime:
    """Naive UTC (how every timestamp is stored)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class RunRef:
    run_id: int
    run_key: str
    site: str
    observed_at: datetime
    status: str


@dataclass
class WriteResult:
    listings: IntervalStats = field(default_factory=IntervalStats)
    vendors: IntervalStats = field(default_factory=IntervalStats)
    feedback_new: int = 0
    posts_new: int = 0
    items: int = 0


class Store:
    """The database of one deployment. ``url``: SQLAlchemy URL, default ``VIGIE_DB_URL``
    or ``sqlite:///vigie.db``. Call ``upgrade()`` once before writing."""

    def __init__(self, url: str | None = None, batch_size: int = 1000, **engine_kwargs):
        self.url = resolve_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.batch_size = batch_size

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- schema
    def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to ``revision`` (concurrent callers serialise)."""
        with transaction(self.engine, lock="__schema__") as conn:
            from alembic import command     # imported here: crawl processes never migrate

            from storage.migrations import alembic_config
            command.upgrade(alembic_config(conn), revision)

    def schema_info(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.select(T["schema_info"].c.key, T["schema_info"].c.value)).all())

    # ---------------------------------------------------------------- runs
    def start_run(self, site: str, spider: str, observed_at: datetime, targets_ref: str | None = None,
                  run_key: str | None = None) -> int:
        """Record a run as ``running``; returns its ``run_id``. With a ``run_key`` already
        recorded (a spool replay) the existing run's id is returned. Raises ``RunOrderError``
        when ``observed_at`` is older than a run already recorded for the site."""
        observed_at = utc(observed_at)
        run_key = run_key or uuid.uuid4().hex
        runs = T["crawl_runs"]

        def work(conn: Connection) -> int:
            existing = conn.execute(sa.select(runs.c.run_id).where(runs.c.run_key == run_key)).scalar()
            if existing is not None:
                return existing
            _ensure_site(conn, site, observed_at)
            latest = conn.execute(sa.select(sa.func.max(runs.c.observed_at)).where(runs.c.site_id == site)).scalar()
            if latest is not None and _as_dt(latest) > observed_at:
                raise RunOrderError(f"run of {site!r} at {observed_at.isoformat()} is older than a run "
                                    f"already recorded at {_as_dt(latest).isoformat()}; runs of a site "
                                    "must be written in crawl-clock order")
            return conn.execute(sa.insert(runs).values(
                run_key=run_key, site_id=site, spider=spider, observed_at=observed_at,
                observed_day=observed_at.date(), targets_ref=targets_ref, started_at=now(),
                status="running").returning(runs.c.run_id)).scalar_one()

        return run_in_transaction(self.engine, work, lock=site)

    def run(self, run: int | str) -> RunRef:
        """The run by ``run_id`` (int) or ``run_key`` (str)."""
        with self.engine.connect() as conn:
            return _load_run(conn, run)

    def finish_run(self, run: int | str, status: str, reason: str | None = None, stats: dict | None = None,
                   warc_files: Iterable = (), missing: Iterable[str] = ()) -> RunRef:
        """Record the outcome. Only ``complete`` closes the intervals of listings/vendors of
        the site that this run did not see; partial/blocked/failed close nothing.
        Finishing again with the same status is a no-op (spool replay)."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"status must be one of {FINAL_STATUSES}, not {status!r}")
        ref = self.run(run)
        runs = T["crawl_runs"]
        files = [_warc_entry(w) for w in warc_files]

        def work(conn: Connection) -> RunRef:
            cur = _load_run(conn, ref.run_id)
            if cur.status != "running":
                if cur.status == status:
                    return cur
                raise RunStateError(f"run {cur.run_id} already finished as {cur.status!r}, not {status!r}")
            if status == "complete":
                close_unseen(conn, T["listing_versions"], T["listings"], "listing_uid", cur.site,
                             cur.run_id, cur.observed_at)
                close_unseen(conn, T["vendor_versions"], T["vendor_accounts"], "account_id", cur.site,
                             cur.run_id, cur.observed_at)
            conn.execute(sa.update(runs).where(runs.c.run_id == cur.run_id).values(
                status=status, reason=reason, finished_at=now(), stats=_jsonable(stats or {}),
                warc_files=files, missing=sorted(set(missing)), **_run_counts(conn, cur.run_id)))
            return _load_run(conn, cur.run_id)

        return run_in_transaction(self.engine, work, lock=ref.site)

    # ---------------------------------------------------------------- items
    def write_items(self, run: int | str, items: Iterable) -> WriteResult:
        """Store normalised items (``crawler.items.Item`` or their ``model_dump`` dicts) seen
        by ``run``, in batches of ``batch_size``, each batch one transaction. Idempotent:
        writing the same items again for the same run (or for a re-run with the same data)
        adds no row."""
        ref = self.run(run)
        result = WriteResult()
        batch: list = []
        for item in items:
            item = _ITEM.validate_python(item) if isinstance(item, dict) else item
            if item.site != ref.site:
                raise RunStateError(f"item of site {item.site!r} written to run {ref.run_id} of {ref.site!r}")
            batch.append(item)
            if len(batch) >= self.batch_size:
                self._write_batch(ref, batch, result)
                batch = []
        if batch:
            self._write_batch(ref, batch, result)
        return result

    def _write_batch(self, ref: RunRef, batch: list, result: WriteResult) -> None:
        def work(conn: Connection) -> WriteResult:
            part = WriteResult(items=len(batch))
            by_kind: dict[str, list] = {}
            for item in batch:
                by_kind.setdefault(item.kind, []).append(item)
            handles = {i.vendor for i in by_kind.get("listing", []) + by_kind.get("feedback", [])}
            handles |= {i.handle for i in by_kind.get("vendor", [])}
            _ensure_accounts(conn, ref, sorted(handles))
            if "listing" in by_kind:
                _ensure_listings(conn, ref, sorted({i.listing_id for i in by_kind["listing"]}))
                part.listings = apply_observations(conn, T["listing_versions"], "listing_uid", ref.run_id,
                                                   ref.observed_at, [_listing_obs(i) for i in by_kind["listing"]])
            if "vendor" in by_kind:
                part.vendors = apply_observations(conn, T["vendor_versions"], "account_id", ref.run_id,
                                                  ref.observed_at, [_vendor_obs(i) for i in by_kind["vendor"]])
            part.feedback_new = _insert_new(conn, T["feedback"], ("site_id", "feedback_id"),
                                            [_feedback_row(ref, i) for i in by_kind.get("feedback", [])])
            part.posts_new = _insert_new(conn, T["social_posts"], ("site_id", "post_id"),
                                         [_post_row(ref, i) for i in by_kind.get("post", [])])
            return part

        part = run_in_transaction(self.engine, work, lock=ref.site)
        result.listings.add(part.listings)
        result.vendors.add(part.vendors)
        result.feedback_new += part.feedback_new
        result.posts_new += part.posts_new
        result.items += part.items

    def write_quarantine(self, run: int | str, quarantined: Iterable) -> int:
        """Keep items that failed normalisation with their reason and provenance (buyer
        names removed from the raw record). Idempotent per run. Returns rows added."""
        ref = self.run(run)
        rows = []
        for q in quarantined:
            q = _QUARANTINED.validate_python(q) if isinstance(q, dict) else q
            raw = {k: ("[removed]" if k in BUYER_KEYS else v) for k, v in q.raw.items()}
            raw = _jsonable(raw)
            prov = q.provenance
            record = {"site": q.site, "kind": q.kind, "reason": q.reason, "url": prov.url, "raw": raw}
            rows.append({"run_id": ref.run_id, "site_id": q.site, "kind": q.kind, "reason": q.reason,
                         "url": prov.url, "fetched_at": utc(prov.fetched_at),
                         "warc_record_id": prov.warc_record_id, "warc_file": prov.warc_file,
                         "page_sha256": prov.page_sha256, "raw": raw,
                         "fingerprint": hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()})

        def work(conn: Connection) -> int:
            for site in sorted({r["site_id"] for r in rows}):
                _ensure_site(conn, site, ref.observed_at)
            return _insert_new(conn, T["quarantine"], ("run_id", "fingerprint"), rows)

        return run_in_transaction(self.engine, work, lock=ref.site) if rows else 0

    # ---------------------------------------------------------------- reading helpers
    def row_counts(self) -> dict[str, int]:
        """Rows per table (tests, benchmarks, ``vigie db`` status)."""
        with self.engine.connect() as conn:
            return {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                    for name, table in T.items()}

    def database_file(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        if self.dialect != "sqlite" or not self.engine.url.database:
            return None
        return Path(self.engine.url.database)


# -------------------------------------------------------------------- helpers
def _as_dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _jsonable(value):
    """Plain JSON (Scrapy stats hold datetimes, sets, ...: anything unknown becomes text)."""
    return json.loads(json.dumps(canonical(value), default=str))


def _load_run(conn: Connection, run: int | str) -> RunRef:
    runs = T["crawl_runs"]
    cond = runs.c.run_key == run if isinstance(run, str) else runs.c.run_id == int(run)
    row = conn.execute(sa.select(runs.c.run_id, runs.c.run_key, runs.c.site_id, runs.c.observed_at,
                                 runs.c.status).where(cond)).first()
    if row is None:
        raise RunStateError(f"no crawl run {run!r}")
    return RunRef(row.run_id, row.run_key, row.site_id, _as_dt(row.observed_at), row.status)


def _insert(conn: Connection, table: sa.Table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _insert_new(conn: Connection, table: sa.Table, unique: tuple[str, ...], rows: list[dict]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were new."""
    if not rows:
        return 0
    stmt = _insert(conn, table).on_conflict_do_nothing(index_elements=list(unique))
    # RETURNING lists only the rows inserted (executemany rowcounts differ between drivers)
    return len(conn.execute(stmt.returning(*table.primary_key.columns), rows).all())


def _ensure_site(conn: Connection, site: str, seen_at: datetime) -> None:
    _insert_new(conn, T["sites"], ("site_id",), [{"site_id": site, "first_seen_at": seen_at}])


def _ensure_accounts(conn: Connection, ref: RunRef, handles: list[str]) -> None:
    _insert_new(conn, T["vendor_accounts"], ("site_id", "handle"),
                [{"account_id": account_id(ref.site, h), "site_id": ref.site, "handle": h,
                  "first_seen_at": ref.observed_at, "first_run_id": ref.run_id} for h in handles])


def _ensure_listings(conn: Connection, ref: RunRef, listing_ids: list[str]) -> None:
    _insert_new(conn, T["listings"], ("site_id", "listing_id"),
                [{"listing_uid": listing_uid(ref.site, x), "site_id": ref.site, "listing_id": x,
                  "first_seen_at": ref.observed_at, "first_run_id": ref.run_id} for x in listing_ids])


def _codes(values) -> str:
    return ",".join(sorted(set(values)))


# Tracked attributes: a change in one of them makes a new version (docs/schema.md).
LISTING_TRACKED = ("title", "vendor", "category", "currency", "price_eur", "quantity", "unit",
                   "unit_price_eur", "ships_from", "ships_to", "excludes")
VENDOR_TRACKED = ("rating", "sales_count", "join_date", "pgp_fingerprint", "pgp_user_ids", "contacts",
                  "profile_text", "ships_from")


def _listing_obs(i: it.Listing) -> Observation:
    attrs = {"title": i.title, "vendor": i.vendor, "category": i.category, "currency": i.currency,
             "price_eur": i.price_eur, "quantity": i.quantity, "unit": i.unit,
             "unit_price_eur": i.unit_price_eur, "ships_from": i.ships_from,
             "ships_to": _codes(i.ships_to), "excludes": _codes(i.excludes)}
    return Observation(key=listing_uid(i.site, i.listing_id), attrs=attrs, provenance=i.provenance,
                       first_extra={"vendor_account_id": account_id(i.site, i.vendor),
                                    "category_raw": i.category_raw, "price": i.price, "price_raw": i.price_raw},
                       last_extra={"last_price": i.price, "last_price_raw": i.price_raw})


def _vendor_obs(i: it.Vendor) -> Observation:
    attrs = {"rating": i.rating, "sales_count": i.sales_count, "join_date": i.join_date,
             "pgp_fingerprint": i.pgp_fingerprint, "pgp_user_ids": sorted(i.pgp_user_ids),
             "contacts": sorted([list(c) for c in i.contacts]), "profile_text": i.profile_text,
             "ships_from": _codes(i.ships_from)}
    return Observation(key=account_id(i.site, i.handle), attrs=attrs, provenance=i.provenance,
                       first_extra={"pgp_key": i.pgp_key})


def _sighting(ref: RunRef, prov: it.Provenance) -> dict:
    return {"first_seen_at": ref.observed_at, "first_run_id": ref.run_id, "url": prov.url,
            "warc_record_id": prov.warc_record_id, "warc_file": prov.warc_file, "page_sha256": prov.page_sha256}


def _feedback_row(ref: RunRef, i: it.Feedback) -> dict:
    return {"site_id": i.site, "feedback_id": i.feedback_id, "listing_id": i.listing_id,
            "listing_uid": listing_uid(i.site, i.listing_id), "vendor": i.vendor,
            "vendor_account_id": account_id(i.site, i.vendor), "posted_on": i.posted_on,
            "rating": i.rating, "text": i.text, "buyer_hash": i.buyer_hash, **_sighting(ref, i.provenance)}


def _post_row(ref: RunRef, i: it.Post) -> dict:
    return {"site_id": i.site, "post_id": i.post_id, "author": i.author, "posted_at": utc(i.posted_at),
            "text": i.text, "hashtags": list(i.hashtags), "contacts": [list(c) for c in i.contacts],
            "city_keywords": list(i.city_keywords), "is_advert": i.is_advert,
            "advert_score": i.advert_score, **_sighting(ref, i.provenance)}


def _warc_entry(w) -> dict:
    """A WARC file of the run: a path (hashed here when readable), (path, sha256) or a dict."""
    if isinstance(w, dict):
        return {"file": str(w["file"]), "sha256": w.get("sha256")}
    if isinstance(w, (tuple, list)):
        return {"file": str(w[0]), "sha256": w[1]}
    path = Path(w)
    digest = None
    if path.is_file():
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        digest = h.hexdigest()
    return {"file": str(w), "sha256": digest}


def _run_counts(conn: Connection, run_id: int) -> dict:
    def count(table: str, col: str) -> int:
        t = T[table]
        return conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c[col] == run_id)).scalar_one()
    return {"n_listings": count("listing_versions", "last_seen_run_id"),
            "n_vendors": count("vendor_versions", "last_seen_run_id"),
            "n_feedback": count("feedback", "first_run_id"), "n_posts": count("social_posts", "first_run_id"),
            "n_quarantined": count("quarantine", "run_id")}
