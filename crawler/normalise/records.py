"""One normaliser per raw kind: ``RawListing`` → ``Listing``, ``RawVendor`` → ``Vendor``,
``RawFeedback`` → ``Feedback``, ``RawPost`` → ``Post``.  Each reads its strings with the
concern modules of this package and builds the typed item; every problem is a
QuarantineError whose reason starts with the field."""
from __future__ import annotations

import logging

from crawler import items as it
from crawler.normalise import contacts, dates, identity, money, numbers, places, quantities, social, taxonomy
from crawler.normalise.context import NormaliseContext
from crawler.normalise.pgp import MAX_ARMOUR, PgpError, parse_public_key
from crawler.normalise.text import bounded, clean

logger = logging.getLogger(__name__)


def _required(value: str | None, field: str, limit: int) -> str:
    text = bounded(value or "", field, limit)
    if not text:
        raise it.QuarantineError(f"{field}: missing")
    return text


def _optional(value: str | None, field: str, limit: int) -> str | None:
    """The stored form of an optional text: None when blank."""
    return bounded(value or "", field, limit) or None


def listing(raw: it.RawListing, ctx: NormaliseContext) -> it.Listing:
    title = _required(raw.title, "title", 500)
    category_raw = _optional(raw.category_label, "category", 200)
    category = taxonomy.categorise(category_raw, title)
    price = money.parse_price(raw.price_text, raw.rate_text, ctx.max_price_eur)
    unit_of_count = taxonomy.count_unit(category)
    if raw.quantity_text and raw.quantity_text.strip():
        quantity, unit = quantities.parse_quantity(raw.quantity_text, unit_of_count)
    else:
        quantity, unit = quantities.quantity_from_title(title, unit_of_count) or (None, None)
    unit_price = money.unit_price(price, quantity, unit, ctx.max_price_eur) if quantity else None
    ships_to, excludes = places.shipping(raw.ships_to_text, raw.excludes_text)
    return it.Listing(
        site=raw.site, provenance=raw.provenance, listing_id=_required(raw.listing_id, "listing_id", 200),
        title=title, vendor=_required(raw.vendor, "vendor", 200), category_raw=category_raw, category=category,
        price_raw=bounded(raw.price_text, "price", 100), currency=price.currency, price=price.amount,
        price_eur=price.eur, quantity=quantity, unit=unit, unit_price_eur=unit_price,
        ships_from=places.single_place(raw.ships_from_text, "ships_from"), ships_to=ships_to, excludes=excludes)


def vendor(raw: it.RawVendor, ctx: NormaliseContext) -> it.Vendor:
    handle = _required(raw.handle, "handle", 200)
    key_text = _optional(raw.pgp_key_text, "pgp_key", MAX_ARMOUR)
    fingerprint, user_ids = None, ()
    if key_text:
        try:
            key = parse_public_key(key_text)
            fingerprint, user_ids = key.fingerprint, key.user_ids
        except PgpError as exc:
            # kept: the key text, no fingerprint (that pair is the "unreadable key" flag)
            logger.warning("vendor %r on %s: unreadable PGP key (%s)", handle, raw.site, exc)
    return it.Vendor(
        site=raw.site, provenance=raw.provenance, handle=handle,
        rating=numbers.parse_rating(raw.rating_text, "rating"),
        sales_count=numbers.parse_count(raw.sales_text, "sales"),
        join_date=dates.parse_date(raw.join_text, ctx.observed_at, "join_date") if raw.join_text else None,
        pgp_key=key_text, pgp_fingerprint=fingerprint, pgp_user_ids=tuple(clean(u) for u in user_ids),
        contacts=contacts.parse_contact_lines(_optional(raw.contacts_text, "contacts", 20_000), ctx.phone_region),
        profile_text=_optional(raw.profile_text, "profile_text", 20_000),
        ships_from=places.places(raw.ships_from_text, "ships_from"))


def feedback(raw: it.RawFeedback, ctx: NormaliseContext) -> it.Feedback:
    listing_id = _required(raw.listing_id, "listing_id", 200)
    vendor_ = _required(raw.vendor, "vendor", 200)
    posted_on = dates.parse_date(_required(raw.posted_text, "posted", 100), ctx.observed_at, "posted")
    rating = numbers.parse_stars(_required(raw.rating_text, "rating", 60))
    text = bounded(raw.text or "", "text", 5000)
    buyer = _required(raw.buyer, "buyer", 200)
    buyer_hash = identity.buyer_hash(ctx.buyer_key, buyer)
    site_id = _optional(raw.feedback_id, "feedback_id", 200)
    feedback_id = site_id or identity.content_feedback_id(
        raw.site, listing_id, vendor_, posted_on, rating, text, buyer_hash)
    return it.Feedback(site=raw.site, provenance=raw.provenance, feedback_id=feedback_id, listing_id=listing_id,
                       vendor=vendor_, posted_on=posted_on, rating=rating, text=text, buyer_hash=buyer_hash)


def post(raw: it.RawPost, ctx: NormaliseContext) -> it.Post:
    text = bounded(raw.text or "", "text", 10000)
    cities = social.city_keywords(text, _optional(raw.city_hint, "city_hint", 200))
    found = contacts.find_contacts(text, social.phone_region(cities, ctx.phone_region))
    score = social.advert_score(text, found)
    return it.Post(
        site=raw.site, provenance=raw.provenance, post_id=_required(raw.post_id, "post_id", 200),
        author=_required(raw.author, "author", 200),
        posted_at=dates.parse_datetime(_required(raw.posted_text, "posted", 100), ctx.observed_at, "posted",
                                       ctx.future_slack),
        text=text, hashtags=social.hashtags(text), contacts=found, city_keywords=cities,
        is_advert=score.is_advert, advert_score=score.score)


NORMALISERS = {"listing": listing, "vendor": vendor, "feedback": feedback, "post": post}
