"""Buyer pseudonyms and feedback identities.

- ``buyer_hash``: HMAC-SHA256(key, buyer pseudonym) as hex; the clear name is never kept.
- ``feedback_id``: the site's id when it shows one (bazaar's ``data-fid``, nocturne's
  ``data-review-id``); otherwise (vault) a content id, "c-" + the first 32 hex of SHA-256 over
  site, listing id, vendor, day, rating, text and buyer hash.  It is stable across crawls (the
  day is absolute once normalised), so a re-crawl upserts the same row.  Two entries that
  agree on all of these (the same buyer leaving the same words, rating and day on the same
  listing) are one row: such doubles cannot be told apart on a page that shows no id.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date


def buyer_hash(key: bytes, buyer: str) -> str:
    return hmac.new(key, buyer.strip().encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def content_feedback_id(site: str, listing_id: str, vendor: str, posted_on: date, rating: int, text: str,
                        buyer_hash_hex: str) -> str:
    parts = (site, listing_id, vendor, posted_on.isoformat(), str(rating), text, buyer_hash_hex)
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return "c-" + digest[:32]
