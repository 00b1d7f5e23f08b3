"""Items: what spiders extract (raw) and what the pipeline stores (normalised).

Spiders stay small: they copy strings off the page into ``Raw*`` items and never
parse prices, places or dates themselves.  ``crawler.normalise.normalise_item``
turns a raw item into its typed, validated counterpart or raises
``QuarantineError`` with a reason; the pipeline stores the first and quarantines
the second.  Every item carries ``Provenance``: the page it came from, the WARC
record that archives that page and the page's SHA-256.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True)
    url: str
    fetched_at: datetime                  # the crawl clock (simulated time in the demo)
    warc_record_id: str | None = None     # "<urn:uuid:...>" of the response (or rendered DOM) record
    warc_file: str | None = None
    page_sha256: str | None = None        # SHA-256 of the archived payload


class _Raw(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str
    provenance: Provenance


class RawListing(_Raw):
    kind: Literal["listing"] = "listing"
    listing_id: str
    title: str
    vendor: str
    category_label: str | None = None     # the site's category text or slang
    price_text: str                       # e.g. "0.00123456 BTC", "1.234,50 €", "12 XMR"
    rate_text: str | None = None          # the page's exchange rate, e.g. "1 BTC = 5 432.10 EUR"
    quantity_text: str | None = None      # e.g. "10 g", "50 pills"; None = read it from the title
    ships_from_text: str | None = None    # e.g. "Netherlands", "Undeclared"
    ships_to_text: str | None = None      # e.g. "Europe, Worldwide"
    excludes_text: str | None = None      # e.g. "USA, UK, Netherlands"


class RawVendor(_Raw):
    kind: Literal["vendor"] = "vendor"
    handle: str
    rating_text: str | None = None        # e.g. "4.87/5", "97%"
    sales_text: str | None = None         # e.g. "1,204 sales"
    join_text: str | None = None          # e.g. "Joined 2018-03-02", "3 months ago"
    pgp_key_text: str | None = None       # the armoured block as shown
    contacts_text: str | None = None      # free text holding messenger handles / phone numbers
    profile_text: str | None = None
    ships_from_text: str | None = None


class RawFeedback(_Raw):
    kind: Literal["feedback"] = "feedback"
    listing_id: str
    vendor: str
    feedback_id: str | None = None        # when the site shows one
    posted_text: str                      # "3 days ago", "today", "12 Jan 2019"
    rating_text: str
    text: str
    buyer: str                            # pseudonym in clear: hashed by the pipeline, never stored


class RawPost(_Raw):
    kind: Literal["post"] = "post"
    post_id: str
    author: str
    posted_text: str                      # ISO time or relative ("2 h", "yesterday")
    text: str
    city_hint: str | None = None          # the search keyword the page was found under


RawItem = RawListing | RawVendor | RawFeedback | RawPost


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    site: str
    provenance: Provenance


class Listing(_Item):
    kind: Literal["listing"] = "listing"
    listing_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    vendor: str = Field(min_length=1, max_length=200)
    category_raw: str | None
    category: str                          # taxonomy key (mock_sites.world.model.CATEGORIES), "other" if unknown
    price_raw: str
    currency: str                          # "EUR", "BTC", "XMR", "USD", ...
    price: Decimal = Field(gt=0)           # in `currency`
    price_eur: Decimal = Field(gt=0)
    quantity: Decimal | None = Field(default=None, gt=0)
    unit: str | None = None                # "g" | "pill" | "blotter" | "ml" | "unit"
    unit_price_eur: Decimal | None = None
    ships_from: str | None                 # ISO alpha-2 or region code; None = undeclared
    ships_to: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


class Vendor(_Item):
    kind: Literal["vendor"] = "vendor"
    handle: str = Field(min_length=1, max_length=200)
    rating: Decimal | None = None          # on a 0–5 scale
    sales_count: int | None = Field(default=None, ge=0)
    join_date: date | None = None
    pgp_key: str | None = None
    pgp_fingerprint: str | None = None     # 40 upper-case hex
    pgp_user_ids: tuple[str, ...] = ()
    contacts: tuple[tuple[str, str], ...] = ()   # (kind, normalised value), sorted
    profile_text: str | None = None
    ships_from: tuple[str, ...] = ()


class Feedback(_Item):
    kind: Literal["feedback"] = "feedback"
    feedback_id: str                       # the site's id, or a content hash when it shows none
    listing_id: str
    vendor: str
    posted_on: date
    rating: int = Field(ge=1, le=5)
    text: str = Field(max_length=5000)
    buyer_hash: str                        # HMAC-SHA256(key, buyer) hex; the clear name is never kept


class Post(_Item):
    kind: Literal["post"] = "post"
    post_id: str
    author: str
    posted_at: datetime
    text: str = Field(max_length=10000)
    hashtags: tuple[str, ...] = ()
    contacts: tuple[tuple[str, str], ...] = ()
    city_keywords: tuple[str, ...] = ()
    is_advert: bool
    advert_score: float


Item = Listing | Vendor | Feedback | Post


class Quarantined(BaseModel):
    """An item that failed validation or normalisation: kept with the reason, never dropped."""
    model_config = ConfigDict(frozen=True)
    site: str
    kind: str
    reason: str
    provenance: Provenance
    raw: dict


class QuarantineError(ValueError):
    """Raised by normalisers: the item cannot be stored as it is; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
