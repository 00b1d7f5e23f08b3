"""Actors: stable IDs, links with probability and evidence, lineage, as the linkage writes them."""
from __future__ import annotations

import itertools

import pytest

from crawler.linkage.identity import assign_stable_ids
from storage.actors import current_assignment, record_linkage
from tests.test_storage_support import crawl, rows, scalar, store, store_url, vendor  # noqa: F401


def link(store, clusters, minted):
    previous = current_assignment(store)
    result = assign_stable_ids(previous, clusters, mint=lambda: f"A{next(minted):06d}")
    keys = [k for c in clusters for k in c]
    record_linkage(store, result.actor_of, method="test", params={"threshold": 0.9},
                   probability={k: 0.95 for k in keys}, evidence={k: {"pgp": True} for k in keys},
                   lineage=result.events, redirects=result.redirects)
    return result


def test_linkage_history_keeps_ids_and_records_lineage(store):
    crawl(store, 0, [vendor("DutchMasters", 0), vendor("dutchmaster", 0)])
    crawl(store, 0, [vendor("Dutch_Masters_NL", 0, site="vault"), vendor("Other", 0, site="vault")], site="vault")
    minted = itertools.count(1)
    first = link(store, [["bazaar:DutchMasters", "vault:Dutch_Masters_NL"], ["bazaar:dutchmaster"], ["vault:Other"]],
                 minted)
    again = link(store, [["bazaar:DutchMasters", "vault:Dutch_Masters_NL"], ["bazaar:dutchmaster"], ["vault:Other"]],
                 minted)
    assert again.actor_of == first.actor_of and not again.events          # re-linkage: same IDs
    assert scalar(store, "SELECT count(*) FROM actor_accounts") == 4       # unchanged links not copied
    merged = link(store, [["bazaar:DutchMasters", "vault:Dutch_Masters_NL", "bazaar:dutchmaster"], ["vault:Other"]],
                  minted)
    survivor = merged.actor_of["bazaar:DutchMasters"]
    gone = first.actor_of["bazaar:dutchmaster"]
    assert rows(store, "SELECT status, merged_into FROM actors WHERE actor_id = :a", a=gone) == [("merged", survivor)]
    assert scalar(store, "SELECT count(*) FROM actor_accounts") == 5       # one link closed, one opened
    view = rows(store, "SELECT actor_id, site, handle, probability FROM v_actor_accounts ORDER BY site, handle")
    assert {(a, s, h) for a, s, h, _ in view} == {
        (survivor, "bazaar", "DutchMasters"), (survivor, "bazaar", "dutchmaster"),
        (survivor, "vault", "Dutch_Masters_NL"), (merged.actor_of["vault:Other"], "vault", "Other")}
    kinds = rows(store, "SELECT kind, actor_id, related_actor_id FROM actor_lineage ORDER BY id")
    assert ("merge", gone, survivor) in kinds and sum(k == "new" for k, _, _ in kinds) == 3
    assert scalar(store, "SELECT count(*) FROM linkage_runs") == 3


def test_linking_an_unknown_account_is_refused(store):
    with pytest.raises(ValueError, match="not in vendor_accounts"):
        record_linkage(store, {"bazaar:Nobody": "A000001"}, method="test")
