"""Export the reader views to Parquet or CSV (pyarrow), optionally pseudonymising vendors.

One file per view (``<view>.parquet`` / ``<view>.csv``) plus ``manifest.json`` (schema and
views versions, row counts, whether vendors were pseudonymised). Rows are streamed in
chunks with a fixed Arrow schema per view, so a year of data does not need to fit in memory.

``pseudonymise_key``: vendor handles become ``HMAC-SHA256(key, handle)`` (hex), and so do
account IDs (they are derived from the handle, hence guessable); free-text columns that
repeat contacts or handles (profile text, PGP user IDs, contacts, linkage evidence, vendor
page URLs) are emptied.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sqlalchemy as sa

from storage.store import Store
from storage.views import VENDOR_FREE_TEXT_COLUMNS, VENDOR_HANDLE_COLUMNS, VIEW_COLUMNS

EXPORTED_VIEWS = ("v_listing_daily", "v_vendor_daily", "v_feedback", "v_social_posts",
                  "v_actor_accounts", "v_runs", "v_crawl_days")
FORMATS = ("parquet", "csv")

_INT = {"run_id", "version_id", "evidence_run_id", "first_run_id", "listing_version_id", "complete_run_id",
        "linkage_run_id", "n_runs", "n_listings", "n_vendors", "n_feedback", "n_posts", "n_quarantined",
        "sales_count", "rating"}
_FLOAT = {"price_eur", "quantity", "unit_price_eur", "advert_score", "probability"}
_BOOL = {"partial_day", "seen", "is_advert"}
_DATE = {"day", "posted_on", "first_seen_day", "join_date"}
_TIME = {"day_at", "valid_from", "valid_to", "observed_at", "started_at", "finished_at", "first_seen_at",
         "posted_at", "linked_at"}
_OVERRIDES = {("v_vendor_daily", "rating"): "float"}
_ACCOUNT_ID_COLUMNS = ("vendor_account_id", "account_id")


def _kind(view: str, column: str) -> str:
    if (view, column) in _OVERRIDES:
        return _OVERRIDES[(view, column)]
    for kind, names in (("int", _INT), ("float", _FLOAT), ("bool", _BOOL), ("date", _DATE), ("time", _TIME)):
        if column in names:
            return kind
    return "str"


_ARROW = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "date": pa.date32(),
          "time": pa.timestamp("us"), "str": pa.string()}


def _convert(kind: str, v):
    if v is None:
        return None
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    if kind == "bool":
        return bool(v)
    if kind == "date":
        return v if isinstance(v, date) and not isinstance(v, datetime) else date.fromisoformat(str(v)[:10])
    if kind == "time":
        return v if isinstance(v, datetime) else datetime.fromisoformat(str(v))
    return str(v)


def pseudonym(key: bytes, value: str | None) -> str | None:
    return None if value is None else hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def view_schema(view: str) -> pa.Schema:
    return pa.schema([(c, _ARROW[_kind(view, c)]) for c in VIEW_COLUMNS[view]])


def export_views(store: Store, out_dir: str | Path, fmt: str = "parquet", views=EXPORTED_VIEWS,
                 pseudonymise_key: bytes | None = None, chunk_rows: int = 50_000) -> dict:
    """Write each view to ``out_dir``; returns the manifest (also written as manifest.json)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "format": fmt, "pseudonymised_vendors": pseudonymise_key is not None,
                "schema": store.schema_info(), "views": {}}
    for view in views:
        path = out / f"{view}.{fmt}"
        manifest["views"][view] = {"file": path.name,
                                   "rows": _export_view(store, view, path, fmt, pseudonymise_key, chunk_rows)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _export_view(store: Store, view: str, path: Path, fmt: str, key: bytes | None, chunk_rows: int) -> int:
    columns = VIEW_COLUMNS[view]
    schema = view_schema(view)
    kinds = [_kind(view, c) for c in columns]
    hashed = set(VENDOR_HANDLE_COLUMNS.get(view, ())) | {c for c in _ACCOUNT_ID_COLUMNS if c in columns}
    blanked = set(VENDOR_FREE_TEXT_COLUMNS.get(view, ())) | ({"url"} if view == "v_vendor_daily" else set())
    order = ", ".join(c for c in ("site", "day", "run_id") if c in columns) or columns[0]
    query = sa.text(f"SELECT {', '.join(columns)} FROM {view} ORDER BY {order}")
    writer, total = None, 0
    try:
        with store.engine.connect().execution_options(stream_results=True) as conn:
            for chunk in conn.execute(query).partitions(chunk_rows):
                data = {}
                for i, (col, kind) in enumerate(zip(columns, kinds)):
                    values = [_convert(kind, row[i]) for row in chunk]
                    if key is not None and col in hashed:
                        values = [pseudonym(key, v) for v in values]
                    elif key is not None and col in blanked:
                        values = [None] * len(values)
                    data[col] = values
                table = pa.table(data, schema=schema)
                writer = writer or _writer(path, fmt, schema)
                writer.write_table(table)
                total += len(chunk)
        writer = writer or _writer(path, fmt, schema)
        if total == 0:
            writer.write_table(schema.empty_table())
    finally:
        if writer is not None:
            writer.close()
    return total


def _writer(path: Path, fmt: str, schema: pa.Schema):
    if fmt == "parquet":
        return pq.ParquetWriter(path, schema, compression="zstd")
    return pacsv.CSVWriter(path, schema)
