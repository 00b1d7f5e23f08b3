"""Indicator inputs from the mock world's truth: what a perfect crawl of each day sees.

A day on which a site is not up (down, CAPTCHA, seized, gone) is a partial day with
nothing observed, exactly as a crawl of that day would record it.
"""
from __future__ import annotations

import pandas as pd

from crawler.indicators.frames import (ACTOR_ACCOUNTS, FEEDBACK, LISTING_DAYS, POST_CONTACTS, POSTS, RUN_DAYS,
                                       IndicatorInputs)


def stored_contact(kind: str, value: str) -> str:
    """A contact as Vigie stores it: phone numbers in E.164 ("+33 6 12 34 56 78" and, for the
    world's French dealers, the national "06 12 34 56 78" → "+33612345678")."""
    if kind != "phone":
        return value
    import phonenumbers
    number = phonenumbers.parse(value, None if value.startswith("+") else "FR")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def inputs_from_world(world, days: range | list[int] | None = None, sites: tuple[str, ...] | None = None) -> IndicatorInputs:
    days = list(days if days is not None else range(world.config.days))
    runs, listings, feedback, accounts, posts, contacts = [], [], {}, {}, {}, set()
    for day in days:
        view = world.day_view(day)
        up = {s for s, st in view.sites.items() if st.status == "up" and (sites is None or s in sites)}
        for s in view.sites:
            if sites is None or s in sites:
                runs.append((s, view.date, s not in up))
        for l in view.listings:
            if l.site in up:
                listings.append((l.site, view.date, l.listing_id, l.vendor, l.category, float(l.price_eur), l.unit,
                                 float(l.unit_price_eur), l.ships_from))
        for a in view.accounts:
            accounts[(a.site, a.handle)] = a.actor_id
        for f in view.feedback:
            if f.site in up:
                feedback[(f.site, f.feedback_id)] = (f.site, f.feedback_id, f.listing_id, f.vendor, f.posted_on)
        if "feed" in up:
            for p in view.posts:
                pday = p.posted_at.date()
                if p.city:
                    posts[(p.post_id, p.city)] = (p.post_id, pday, p.city, p.is_advert)
                for kind, value in p.contacts:
                    contacts.add((p.post_id, pday, kind, stored_contact(kind, value)))
    return IndicatorInputs(
        run_days=pd.DataFrame(runs, columns=RUN_DAYS),
        listing_days=pd.DataFrame(listings, columns=LISTING_DAYS),
        feedback=pd.DataFrame(list(feedback.values()), columns=FEEDBACK),
        actor_accounts=pd.DataFrame([(s, h, a) for (s, h), a in accounts.items()], columns=ACTOR_ACCOUNTS),
        posts=pd.DataFrame(list(posts.values()), columns=POSTS),
        post_contacts=pd.DataFrame(sorted(contacts), columns=POST_CONTACTS),
    )
