"""Normalisation: raw items (strings off a page) → typed items, or a QuarantineError.

``normalise_item(raw, ctx)`` dispatches on the raw item's kind to ``records``; the
concerns live in one module each: ``money`` (prices, rates), ``quantities`` (units),
``places`` (countries, regions), ``dates`` (relative and absolute dates), ``taxonomy``
(categories, from taxonomy.toml), ``pgp`` (OpenPGP keys), ``contacts`` (phones, handles),
``social`` (hashtags, cities, advert classifier), ``numbers`` (ratings, counts) and
``identity`` (buyer hashes, feedback ids).  docs/normalisation.md documents the rules.
"""
from __future__ import annotations

from pydantic import ValidationError

from crawler.items import RawFeedback, RawListing, RawPost, RawVendor, QuarantineError
from crawler.normalise.context import NormaliseContext

__all__ = ["NormaliseContext", "normalise_item", "QuarantineError"]

_RAW = {"listing": RawListing, "vendor": RawVendor, "feedback": RawFeedback, "post": RawPost}


def _reason(kind: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "item"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{field}: invalid {kind}: {first.get('msg', 'invalid')}{more}"


def normalise_item(raw, ctx: NormaliseContext):
    """The typed ``Listing | Vendor | Feedback | Post`` of a raw item (a ``Raw*`` model or its
    dict); ``QuarantineError`` with a reason naming the field when it cannot be stored."""
    from crawler.normalise.records import NORMALISERS
    kind = raw.get("kind") if isinstance(raw, dict) else getattr(raw, "kind", None)
    if not isinstance(kind, str) or kind not in _RAW:
        raise QuarantineError(f"kind: unknown raw item kind {kind!r}")
    try:
        if isinstance(raw, dict):
            raw = _RAW[kind].model_validate(raw)
        return NORMALISERS[kind](raw, ctx)
    except ValidationError as exc:
        raise QuarantineError(_reason(kind, exc)) from None
    except (ArithmeticError, OverflowError, RecursionError) as exc:
        raise QuarantineError(f"{kind}: cannot be read ({exc.__class__.__name__}: {exc})") from None
