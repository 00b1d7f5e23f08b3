"""The linkage against the mock world's truth, without crawling (records a perfect crawl
would store): the "done when" thresholds of vendor linkage on the default world, and
incremental placement of new accounts."""
import pytest

from crawler.linkage.evaluate import score_linkage
from crawler.linkage.features import to_rows
from crawler.linkage.model import DEFAULT_THRESHOLD, train_and_link
from crawler.linkage.service import incremental_clusters
from crawler.linkage.truth_records import records_from_world
from mock_sites.world import World, WorldConfig


@pytest.fixture(scope="module")
def default_world():
    world = World(WorldConfig())            # the default world: 240 actors, 90 days, seed 7
    records, truth = records_from_world(world)
    return world, records, truth


def _scores(clusters, records, truth, world):
    return score_linkage(clusters, truth, {r.key: set(r.pgp_fingerprints) for r in records}, world.actors)


def test_default_world_meets_the_linkage_targets(default_world):
    world, records, truth = default_world
    result = train_and_link(to_rows(records))
    s = _scores(result.clusters, records, truth, world)
    assert s["impostors"] > 0 and s["no_shared_pgp_key"]["true_pairs"] > 0     # the hard cases exist
    assert s["overall"]["f1"] >= 0.97, s
    assert s["no_shared_pgp_key"]["recall"] >= 0.85 and s["no_shared_pgp_key"]["precision"] >= 0.95, s
    assert s["impostors_merged"] == 0, s
    # every pair the clusters rest on is explained: probability and the level of each comparison
    linked = result.pairs[result.pairs["match_probability"] >= DEFAULT_THRESHOLD].to_dict("records")
    assert linked
    evidence = result.evidence(linked[0])
    assert {"name", "pgp_fps", "contacts", "profile_tokens"} <= set(evidence)
    assert evidence["name"]["level"] == "Exact match on handle_norm" or evidence["pgp_fps"]["weight"] > 0


def test_incremental_places_new_accounts_and_moves_no_old_one(default_world):
    world, records, truth = default_world
    last = max(r.first_seen_day for r in records)
    base = [r for r in records if r.first_seen_day < last]
    first = train_and_link(to_rows(base))
    previous = first.clusters
    new_ids = {r.key for r in records} - set(previous)
    assert new_ids
    result = train_and_link(to_rows(records), new_ids=new_ids, model=first.model)    # as vigie link --incremental
    # only pairs with a new account are scored
    assert all(l in new_ids or r in new_ids for l, r in zip(result.pairs["unique_id_l"], result.pairs["unique_id_r"]))
    clusters = incremental_clusters(result, previous, DEFAULT_THRESHOLD)
    assert set(clusters) == {r.key for r in records}
    assert all(clusters[k] == f"old:{c}" for k, c in previous.items())          # old accounts stay put
    s = _scores(clusters, records, truth, world)
    assert s["overall"]["f1"] >= 0.97 and s["impostors_merged"] == 0, s
    sites = {}
    for k, c in clusters.items():                                                # one account per site
        assert (c, k.split(":", 1)[0]) not in sites, (k, sites.get((c, k.split(":", 1)[0])))
        sites[(c, k.split(":", 1)[0])] = k
