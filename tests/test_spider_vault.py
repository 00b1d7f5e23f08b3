"""The vault spider logs in, re-logs when its session expires, waits out 429s, and finds
every listing, vendor and feedback entry of the truth, through faults too; it stops on
CAPTCHA and seizure days, on refused credentials and on sessions that die at once."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, time, timedelta, timezone

import pytest

from mock_sites.server import serve_world, targets_toml
from mock_sites.sites.vault import CONTACT_LABELS, french_date
from mock_sites.world.config import Faults
from tests.spider_harness import run_spider_raw

SITE = "vault"
DAY = 6
# low enough that a crawl of the small world needs several sessions and meets the rate limit
STRICT = {"session_max_requests": 40, "rate_limit_per_second": 10}


# Faults a crawl must get through: retried 5xx and cut bodies, pages with broken markup.
FAULTS = Faults(error_rate=0.02, truncate_rate=0.02, malformed_rate=0.5)


@pytest.fixture(scope="module")
def vault(world_config, world):
    with serve_world(world_config.with_(**STRICT), day=DAY, sites=(SITE,), world=world) as running:
        yield running


@pytest.fixture(scope="module")
def faulty_vault(world_config, world):
    with serve_world(world_config.with_(**STRICT, faults={SITE: FAULTS}), day=DAY, sites=(SITE,),
                     world=world) as running:
        yield running


def crawl(running, day, tmp_path, env=None):
    running.set_day(day)
    targets = tmp_path / "targets.toml"
    targets.write_text(targets_toml(running))
    now = datetime.combine(running.world.config.start_date + timedelta(days=day), time(12), timezone.utc)
    items, meta = run_spider_raw(targets, SITE, now, tmp_path, env=env)
    by_kind = {"listing": [], "vendor": [], "feedback": []}
    for item in items:
        by_kind[item["kind"]].append(item)
    return by_kind, meta


@pytest.mark.parametrize("server", ["vault", pytest.param("faulty_vault", marks=pytest.mark.reliability)])
def test_spider_finds_the_truth(request, server, world, vault_credentials, tmp_path):
    view = world.day_view(DAY)
    assert view.sites[SITE].status == "up"
    running = request.getfixturevalue(server)
    items, meta = crawl(running, DAY, tmp_path)
    if server == "faulty_vault":
        assert running.faults_injected(SITE).get("malformed", 0) > 0
    assert meta["finish_reason"] == "finished"
    assert meta["stats"].get("vigie/relogins", 0) >= 1
    assert meta["stats"].get("vigie/retry_after/count", 0) >= 1

    lost = {k: v for k, v in meta["stats"].items()
            if k.startswith(("vigie/retry_after/gave_up", "httperror/", "retry/max_reached", "vault/unexpected"))}
    assert not lost, f"pages given up: {lost}"
    listings = {l.listing_id: l for l in view.listings if l.site == SITE}
    got = {i["listing_id"]: i for i in items["listing"]}
    assert len(got) == len(items["listing"])
    assert set(got) == set(listings), (f"missing {sorted(set(listings) - set(got))}, "
                                       f"extra {sorted(set(got) - set(listings))}, stats {meta['stats']}")
    for lid, raw in got.items():
        truth = listings[lid]
        assert (raw["title"], raw["vendor"], raw["price_text"], raw["category_label"]) == \
            (truth.title, truth.vendor, truth.price_shown, truth.category_label)
        assert raw["quantity_text"] and raw["ships_from_text"] and raw["rate_text"] is None
        assert (raw["ships_to_text"] is None) == (not truth.ships_to)
        assert (raw["excludes_text"] is None) == (not truth.excludes)

    accounts = {a.handle: a for a in view.accounts if a.site == SITE}
    vendors = {i["handle"]: i for i in items["vendor"]}
    assert len(vendors) == len(items["vendor"]) and set(vendors) == set(accounts)
    for handle, raw in vendors.items():
        truth = accounts[handle]
        assert raw["join_text"] == f"Membre depuis {truth.join_date.isoformat()}"
        assert raw["pgp_key_text"] == (truth.pgp_key.strip() if truth.pgp_key else None)
        assert raw["profile_text"] == truth.profile.strip()
        assert raw["contacts_text"] == ("\n".join(f"{CONTACT_LABELS[kind]}: {value}" for kind, value in truth.contacts)
                                        or None)

    def entry(listing_id, vendor, posted, rating, text, buyer):
        return listing_id, vendor, posted, rating, text, buyer

    truth_fb = Counter(entry(f.listing_id, f.vendor, french_date(f.posted_on), f"{f.rating}/5", f.text.strip(),
                             f.buyer) for f in view.feedback if f.site == SITE)
    got_fb = Counter(entry(i["listing_id"], i["vendor"], i["posted_text"], i["rating_text"], i["text"], i["buyer"])
                     for i in items["feedback"])
    assert got_fb == truth_fb and sum(got_fb.values()) > 0
    assert all(i["feedback_id"] is None for i in items["feedback"])
    _, password = vault_credentials
    assert password not in json.dumps(items)


def test_wrong_credentials_fail_the_run(vault, vault_credentials, tmp_path):
    items, meta = crawl(vault, DAY, tmp_path, env={"VIGIE_VAULT_PASSWORD": "not the password"})
    assert meta["finish_reason"] == "failed: login refused"
    assert not any(items.values())


@pytest.mark.parametrize("day_of, what", [("captcha", "CAPTCHA"), ("takedown", "seizure")])
def test_captcha_and_seizure_days_end_blocked(vault, world_config, vault_credentials, tmp_path, day_of, what):
    day = world_config.captcha_days[SITE][0] if day_of == "captcha" else world_config.takedown_day
    items, meta = crawl(vault, day, tmp_path)
    assert meta["finish_reason"].startswith("blocked") and what in meta["finish_reason"]
    assert not any(items.values())


def test_sessions_that_die_at_once_fail_the_run(world_config, world, vault_credentials, tmp_path):
    config = world_config.with_(session_max_requests=0, rate_limit_per_second=10_000)
    with serve_world(config, day=DAY, sites=(SITE,), world=world) as running:
        items, meta = crawl(running, DAY, tmp_path)
    assert meta["finish_reason"].startswith("failed: session expired")
    assert not any(items.values())
