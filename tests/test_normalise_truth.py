"""The key integration test of normalisation: the real spiders crawl every site of the small
world (bazaar in its v2 layout, nocturne through the browser, vault behind its login, the
feed), every raw item is normalised, and the result equals the world's truth of that day
field by field, with nothing quarantined."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta, timezone

import pytest

from crawler.items import QuarantineError
from crawler.normalise import NormaliseContext, normalise_item
from crawler.normalise.contacts import canonical_contact
from crawler.normalise.identity import buyer_hash
from tests.spider_harness import run_spider_raw

DAY = 16            # after the relocation day, in bazaar's second layout; every site is up
KEY = b"normalise-truth-test-key"
SITES = ("bazaar", "nocturne", "vault", "feed")


@pytest.fixture(scope="module")
def crawl(world_config, world, tmp_path_factory):
    """{site: [normalised items]} and {site: [quarantine reasons]} of one crawl per site."""
    from mock_sites.server import serve_world, targets_toml
    tmp = tmp_path_factory.mktemp("normalise-truth")
    now = datetime.combine(world_config.start_date + timedelta(days=DAY), time(12), timezone.utc)
    ctx = NormaliseContext(observed_at=now, buyer_key=KEY)
    env = {"VIGIE_VAULT_USER": world_config.vault_username, "VIGIE_VAULT_PASSWORD": world_config.vault_password}
    items, quarantined = {}, {}
    with serve_world(world_config, day=DAY, world=world) as running:
        (tmp / "targets.toml").write_text(targets_toml(running))
        for site in SITES:
            raw, meta = run_spider_raw(tmp / "targets.toml", site, now, tmp, env=env)
            assert meta["finish_reason"] == "finished", (site, meta)
            items[site], quarantined[site] = [], []
            for r in raw:
                try:
                    items[site].append(normalise_item(r, ctx))
                except QuarantineError as exc:
                    quarantined[site].append(exc.reason)
    return items, quarantined


def of_kind(crawl, site, kind):
    return [i for i in crawl[0][site] if i.kind == kind]


@pytest.fixture(scope="module")
def view(world):
    return world.day_view(DAY)


@pytest.mark.parametrize("site", SITES)
def test_a_clean_day_quarantines_nothing(crawl, site):
    assert crawl[0][site], f"{site}: nothing crawled"
    assert crawl[1][site] == [], Counter(crawl[1][site]).most_common(5)


@pytest.mark.parametrize("site", ("bazaar", "nocturne", "vault"))
def test_listings_equal_the_truth(crawl, view, site):
    got = {l.listing_id: l for l in of_kind(crawl, site, "listing")}
    want = {l.listing_id: l for l in view.listings if l.site == site}
    assert set(got) == set(want)
    fields = ("vendor", "title", "category", "currency", "price_eur", "quantity", "unit", "unit_price_eur",
              "ships_from")
    wrong = {}
    for lid, t in want.items():
        g = got[lid]
        mine = tuple(getattr(g, f) for f in fields) + (g.ships_to, g.excludes, g.category_raw, g.price_raw)
        truth = tuple(getattr(t, f) for f in fields) + (tuple(sorted(t.ships_to)), tuple(sorted(t.excludes)),
                                                        t.category_label, t.price_shown)
        if mine != truth:
            wrong[lid] = (mine, truth)
    assert not wrong, f"{len(wrong)} listings differ, e.g. {next(iter(wrong.items()))}"
    assert {l.currency for l in got.values()} <= {"BTC", "XMR", "EUR"}


@pytest.mark.parametrize("site", ("bazaar", "nocturne", "vault"))
def test_vendors_equal_the_truth(crawl, view, site):
    got = {v.handle: v for v in of_kind(crawl, site, "vendor")}
    want = {a.handle: a for a in view.accounts if a.site == site}
    assert set(got) == set(want)
    wrong = {}
    for handle, a in want.items():
        g = got[handle]
        mine = (g.rating, g.sales_count, g.join_date, g.pgp_fingerprint, g.contacts, g.ships_from, g.profile_text,
                g.pgp_key)
        truth = (a.rating, a.sales_count, a.join_date, a.pgp_fingerprint,
                 tuple(sorted(canonical_contact(k, v) for k, v in a.contacts)), tuple(sorted(a.ships_from)),
                 a.profile, a.pgp_key.strip() if a.pgp_key else None)
        if mine != truth:
            wrong[handle] = (mine, truth)
    assert not wrong, f"{len(wrong)} vendors differ, e.g. {next(iter(wrong.items()))}"
    assert all(v.pgp_user_ids for v in got.values() if v.pgp_fingerprint)


@pytest.mark.parametrize("site", ("bazaar", "nocturne", "vault"))
def test_feedback_equals_the_truth(crawl, view, site):
    got = of_kind(crawl, site, "feedback")
    truth = [f for f in view.feedback if f.site == site]
    assert truth, "the day should have feedback"
    row = lambda f, h: (f.listing_id, f.vendor, f.posted_on, f.rating, f.text, h)   # noqa: E731
    assert Counter(row(f, f.buyer_hash) for f in got) == Counter(row(f, buyer_hash(KEY, f.buyer)) for f in truth)
    ids = {f.feedback_id for f in got}
    assert len(ids) == len(got), "feedback ids must be unique"
    if site in ("bazaar", "nocturne"):      # the site shows its ids: they are kept
        assert ids == {f.feedback_id for f in truth}
    else:                                   # vault shows none: content ids, stable and distinct
        assert all(i.startswith("c-") for i in ids)


def test_posts_equal_the_truth(crawl, view):
    got = {p.post_id: p for p in of_kind(crawl, "feed", "post")}
    want = {p.post_id: p for p in view.posts}
    assert set(got) == set(want)
    wrong = {}
    for pid, t in want.items():
        g = got[pid]
        mine = (g.author, g.posted_at, g.text, g.hashtags, g.contacts, g.city_keywords)
        truth = (t.author, t.posted_at, t.text, t.hashtags, tuple(sorted(canonical_contact(k, v) for k, v in t.contacts)),
                 (t.city,) if t.city else ())
        if mine != truth:
            wrong[pid] = (mine, truth)
    assert not wrong, f"{len(wrong)} posts differ, e.g. {next(iter(wrong.items()))}"


def test_the_advert_classifier_agrees_with_the_labels(crawl, view):
    got = {p.post_id: p for p in of_kind(crawl, "feed", "post")}
    truth = {p.post_id: p.is_advert for p in view.posts}
    tp = sum(got[p].is_advert and truth[p] for p in truth)
    fp = sum(got[p].is_advert and not truth[p] for p in truth)
    fn = sum(not got[p].is_advert and truth[p] for p in truth)
    assert tp > 0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"advert classifier on day {DAY}: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.9 and recall >= 0.9
