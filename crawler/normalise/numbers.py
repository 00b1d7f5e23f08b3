"""Ratings and counts: "4.60/5", "4,57/5", "95.2% positive", "★★★★☆", "5/5";
"1,204 sales", "1 204 ventes", "1.2k sales".

Vendor ratings come back on a 0–5 scale, exactly (a share of positive feedback is divided
by 20: "97.4%" → 4.87); a feedback rating is a whole 1–5; a count is at most ``MAX_COUNT``.
Anything else is a QuarantineError naming the field.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crawler.items import QuarantineError
from crawler.normalise.text import bounded, unformatted

_FRACTION = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:/|sur|out of|of|van|von)\s*(\d+)\b", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%")
_BARE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*$")
_COUNT = re.compile(r"^\s*(\d{1,3}(?:[ \u00a0\u202f,.']\d{3})+|\d+)(?:([.,]\d)\s*k|\s*(k))?\b", re.IGNORECASE)
FULL, EMPTY = "★", "☆"
MAX_COUNT = 1_000_000        # sales of one vendor: the largest markets' top vendors had tens of thousands


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise QuarantineError(f"rating: cannot read {text!r}") from None


def parse_rating(text: str | None, field: str = "rating") -> Decimal | None:
    """A vendor rating on a 0–5 scale; None when the page shows none."""
    if text is None or not text.strip():
        return None
    text = unformatted(bounded(text, field, 60))
    if m := _FRACTION.match(text):
        value, scale = _decimal(m.group(1)), Decimal(m.group(2))
        if scale == 0:
            raise QuarantineError(f"{field}: {text!r} has a zero scale")
        rating = value if scale == 5 else value * 5 / scale
    elif m := _PERCENT.match(text):
        rating = _decimal(m.group(1)) / 20
    elif set(text) <= {FULL, EMPTY, " "}:
        rating = Decimal(text.count(FULL))
    elif m := _BARE.match(text):
        rating = _decimal(m.group(1))
    else:
        raise QuarantineError(f"{field}: cannot read {text!r} (expected e.g. '4.87/5' or '97.4% positive')")
    if not 0 <= rating <= 5:
        raise QuarantineError(f"{field}: {text!r} is outside the 0–5 scale")
    return rating


def parse_stars(text: str, field: str = "rating") -> int:
    """A feedback rating: a whole number of stars from 1 to 5."""
    rating = parse_rating(text, field)
    if rating is None:
        raise QuarantineError(f"{field}: missing")
    if rating != rating.to_integral() or not 1 <= rating <= 5:
        raise QuarantineError(f"{field}: {text.strip()!r} is not a whole rating from 1 to 5")
    return int(rating)


def parse_count(text: str | None, field: str = "sales") -> int | None:
    """A whole count with thousands separators ("1,204", "1 204", "1.204") or "1.2k"; None when absent."""
    if text is None or not text.strip():
        return None
    text = unformatted(bounded(text, field, 60))
    m = _COUNT.match(text)
    if not m:
        raise QuarantineError(f"{field}: cannot read a count in {text!r}")
    whole = int(re.sub(r"\D", "", m.group(1)))
    if m.group(2):
        count = whole * 1000 + int(m.group(2)[1:]) * 100
    elif m.group(3):
        count = whole * 1000
    elif re.match(r"[.,]\d", text[m.end():]):
        raise QuarantineError(f"{field}: {text!r} is not a whole count")
    else:
        count = whole
    if count > MAX_COUNT:
        raise QuarantineError(f"{field}: {text!r} is above the plausible maximum of {MAX_COUNT}")
    return count
