"""The feed spider finds, over real HTTP, every post of the truth once, with its city keyword,
also through faults, and stops on a CAPTCHA or seizure page."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from mock_sites.server import serve_world, targets_toml
from mock_sites.world.config import Faults
from tests.spider_harness import run_spider_raw

SITE = "feed"
FAULTS = Faults(error_rate=0.05, truncate_rate=0.05, malformed_rate=0.5)


def crawl(running, day, tmp_path, options: str = ""):
    running.set_day(day)
    targets = tmp_path / "targets.toml"
    targets.write_text(targets_toml(running) + options)
    now = datetime.combine(running.world.config.start_date + timedelta(days=day), time(12), timezone.utc)
    return run_spider_raw(targets, SITE, now, tmp_path)


def by_id(items):
    out = {i["post_id"]: i for i in items}
    assert len(out) == len(items), "a post was yielded twice"
    return out


@pytest.mark.parametrize("faults", [None, pytest.param(FAULTS, marks=pytest.mark.reliability)])
def test_spider_finds_every_post_once(world_config, world, tmp_path, faults):
    day = 9
    config = world_config.with_(faults={SITE: faults}) if faults else world_config
    view = world.day_view(day)
    truth = {p.post_id: p for p in view.posts}
    assert len(truth) > 3 * 25 and any(p.city is None for p in truth.values())
    with serve_world(config, sites=(SITE,), world=world) as running:
        items, meta = crawl(running, day, tmp_path)
        if faults:
            assert sum(running.faults_injected(SITE).values()) > 0
    assert meta["finish_reason"] == "finished"
    got = by_id(items)
    assert set(got) == set(truth)
    for post_id, raw in got.items():
        post = truth[post_id]
        assert raw["kind"] == "post" and raw["site"] == SITE
        assert (raw["author"], raw["text"], raw["city_hint"]) == (post.author, post.text, post.city)
        assert datetime.fromisoformat(raw["posted_text"]) == post.posted_at
        assert raw["provenance"]["url"].startswith(running.urls[SITE])


def test_cities_option_limits_the_searches(world_config, world, tmp_path):
    day = 4
    with serve_world(world_config, sites=(SITE,), world=world) as running:
        items, meta = crawl(running, day, tmp_path, '[target.options]\ncities = "lorient, toulouse"\n')
    assert meta["finish_reason"] == "finished"
    got = by_id(items)
    view = world.day_view(day)
    assert set(got) == {p.post_id for p in view.posts}
    hinted = {i["post_id"]: i["city_hint"] for i in items if i["city_hint"]}
    assert hinted == {p.post_id: p.city for p in view.posts if p.city in ("lorient", "toulouse")}


@pytest.mark.parametrize("status_day", ["captcha", "takedown"])
def test_blocked_pages_end_the_run(world_config, world, tmp_path, status_day):
    day = 3
    config = world_config.with_(**({"captcha_days": {SITE: (day,)}} if status_day == "captcha"
                                   else {"takedown_site": SITE, "takedown_day": day}))
    from mock_sites.world import World
    with serve_world(config, sites=(SITE,), world=World(config)) as running:
        items, meta = crawl(running, day, tmp_path)
    assert items == []
    assert meta["finish_reason"].startswith("blocked")
