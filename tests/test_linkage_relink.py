"""Re-linkage over the database: actor IDs change only where clusters change, and every
change is a lineage row of the run that made it (full re-links, incremental re-runs)."""
import json

import sqlalchemy as sa

from crawler.linkage.service import link_database
from tests.test_linkage_db import store  # noqa: F401 - fixture
from tests.test_storage_support import store_url  # noqa: F401 - fixture
from tests.truth_items import store_days


def _assignment(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT account_id, actor_id FROM actor_accounts WHERE valid_to IS NULL")).all())


def _lineage(engine, run_id) -> list[tuple]:
    with engine.connect() as conn:
        return [(k, a, r, set(json.loads(acc) if isinstance(acc, str) else acc)) for k, a, r, acc in conn.execute(sa.text(
            "SELECT kind, actor_id, related_actor_id, accounts FROM actor_lineage WHERE linkage_run_id = :r"),
            {"r": run_id}).all()]


def _groups(assignment: dict[str, str]) -> dict[str, set]:
    out: dict[str, set] = {}
    for account, actor in assignment.items():
        out.setdefault(actor, set()).add(account)
    return out


def assert_only_changed_clusters_changed(engine, before: dict, summary) -> dict:
    """The invariants of a re-link, checked against the previous assignment."""
    after = _assignment(engine)
    lineage = _lineage(engine, summary.linkage_run_id)
    assert set(before) <= set(after)                       # no account loses its actor
    # an actor whose accounts are still together, with no other old account, keeps its ID
    old, new = _groups(before), _groups(after)
    for actor, members in old.items():
        now = {after[a] for a in members}
        if len(now) == 1 and {a for a in new[next(iter(now))] if a in before} == members:
            assert now == {actor}, (actor, now)
    # every old account that changed actor is in a split or merge row of this run
    moved = {a for a in before if after[a] != before[a]}
    covered = set().union(set(), *(acc for kind, _, _, acc in lineage if kind in ("split", "merge")))
    assert moved <= covered, moved - covered
    # every minted ID has a new/split row; every ID that disappeared has a merge row to a live ID
    minted = set(after.values()) - set(before.values())
    assert minted == {a for kind, a, _, _ in lineage if kind in ("new", "split")}
    gone = set(before.values()) - set(after.values())
    assert gone == {a for kind, a, _, _ in lineage if kind == "merge"}
    assert all(r in set(after.values()) for kind, _, r, _ in lineage if kind == "merge")
    with engine.connect() as conn:
        for actor in gone:
            status, into = conn.execute(sa.text("SELECT status, merged_into FROM actors WHERE actor_id = :a"),
                                        {"a": actor}).one()
            assert status == "merged" and into in set(after.values())
    # the summary counts what the lineage says
    assert (summary.new, summary.splits, summary.merges) == tuple(
        sum(k == kind for k, _, _, _ in lineage) for kind in ("new", "split", "merge"))
    return after


def test_full_relink_after_new_days_changes_only_changed_clusters(store, world, world_config):
    store_days(store, world, [0, 2])
    first = link_database(store.engine)
    before = _assignment(store.engine)
    assert first.new == first.actors == len(set(before.values()))
    store_days(store, world, [world_config.exit_day + 2, world_config.exit_day + 5])
    relink = link_database(store.engine)                          # full, with the new days
    after = assert_only_changed_clusters_changed(store.engine, before, relink)
    assert set(after) > set(before)
    # nothing new since: an incremental re-run changes nothing and records no lineage
    # (a full re-run with no new data: tests/test_linkage_db.py)
    again = link_database(store.engine, incremental=True)
    assert _assignment(store.engine) == after
    assert (again.new, again.splits, again.merges, again.changed_accounts) == (0, 0, 0, 0)
    assert _lineage(store.engine, again.linkage_run_id) == []


def test_clusters_that_split_and_merge_back_keep_lineage(store, world):
    """A stricter threshold splits clusters, the default merges them back: each step moves
    only the accounts of changed clusters, with split / merge rows, and IDs come back."""
    store_days(store, world, [0, 3])
    link_database(store.engine)
    start = _assignment(store.engine)
    strict = link_database(store.engine, threshold=0.99999)
    split = assert_only_changed_clusters_changed(store.engine, start, strict)
    assert strict.splits > 0 and strict.merges == 0
    back = link_database(store.engine)
    merged = assert_only_changed_clusters_changed(store.engine, split, back)
    assert back.merges == strict.splits and back.splits == 0
    # the largest-overlap cluster kept its old ID through the split, so the merge restores every ID
    assert merged == start
