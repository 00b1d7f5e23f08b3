"""Deterministic, stable IDs: the same site and external id give the same ID in every
database, across runs, re-crawls and rebuilds."""
from __future__ import annotations

import hashlib


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def listing_uid(site: str, listing_id: str) -> str:
    return "lst_" + _digest("listing", site, listing_id)


def account_id(site: str, handle: str) -> str:
    return "acc_" + _digest("account", site, handle)
