"""Items exactly as a perfect crawl of the mock world would store them (test scaffolding
for storage, linkage and indicators tests that must not depend on the spiders)."""
from __future__ import annotations

import hashlib
import hmac

from crawler import items as it

BUYER_KEY = b"test-buyer-key"


def _prov(site: str, path: str, now) -> it.Provenance:
    return it.Provenance(url=f"http://mock.invalid/{site}/{path}", fetched_at=now)


def items_for_day(view, sites: tuple[str, ...] | None = None) -> dict[str, list]:
    """Items per site for one DayView (only sites that are up)."""
    out: dict[str, list] = {}
    up = {s for s, st in view.sites.items() if st.status == "up" and (sites is None or s in sites)}
    for a in view.accounts:
        if a.site in up:
            out.setdefault(a.site, []).append(it.Vendor(
                site=a.site, provenance=_prov(a.site, f"vendor/{a.handle}", view.now), handle=a.handle,
                rating=a.rating, sales_count=a.sales_count, join_date=a.join_date, pgp_key=a.pgp_key,
                pgp_fingerprint=a.pgp_fingerprint, contacts=tuple(sorted(a.contacts)), profile_text=a.profile,
                ships_from=tuple(sorted(a.ships_from))))
    for l in view.listings:
        if l.site in up:
            out.setdefault(l.site, []).append(it.Listing(
                site=l.site, provenance=_prov(l.site, f"listing/{l.listing_id}", view.now), listing_id=l.listing_id,
                title=l.title, vendor=l.vendor, category_raw=l.category_label, category=l.category,
                price_raw=l.price_shown, currency="EUR", price=l.price_eur, price_eur=l.price_eur,
                quantity=l.quantity, unit=l.unit, unit_price_eur=l.unit_price_eur, ships_from=l.ships_from,
                ships_to=tuple(sorted(l.ships_to)), excludes=tuple(sorted(l.excludes))))
    for f in view.feedback:
        if f.site in up:
            out.setdefault(f.site, []).append(it.Feedback(
                site=f.site, provenance=_prov(f.site, f"vendor/{f.vendor}/feedback", view.now),
                feedback_id=f.feedback_id, listing_id=f.listing_id, vendor=f.vendor, posted_on=f.posted_on,
                rating=f.rating, text=f.text,
                buyer_hash=hmac.new(BUYER_KEY, f.buyer.encode(), hashlib.sha256).hexdigest()))
    return out


def store_days(store, world, days, sites: tuple[str, ...] | None = None) -> None:
    """Write a complete run per up site and day; a partial run for sites that are not up."""
    for day in days:
        view = world.day_view(day)
        per_site = items_for_day(view, sites)
        for site, state in sorted(view.sites.items()):
            if site == "feed" or (sites is not None and site not in sites):
                continue
            run = store.start_run(site, site, view.now)
            store.write_items(run, per_site.get(site, []))
            store.finish_run(run, "complete" if state.status == "up" else "partial",
                             None if state.status == "up" else state.status, {}, [])
