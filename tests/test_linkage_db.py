"""Linkage over the database: quality against the truth, stable IDs, lineage, incremental."""
import json

import pytest
import sqlalchemy as sa

from crawler.linkage.evaluate import pairwise_scores
from crawler.linkage.service import link_database
from storage import Store
from tests.test_storage_support import store_url  # noqa: F401 - fixture
from tests.truth_items import store_days


def _current(engine):
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT a.site_id || ':' || a.handle, aa.actor_id FROM actor_accounts aa "
            "JOIN vendor_accounts a ON a.account_id = aa.account_id WHERE aa.valid_to IS NULL")).all())


def _truth(world, days):
    truth = {}
    for d in days:
        for a in world.day_view(d).accounts:
            truth[f"{a.site}:{a.handle}"] = a.actor_id
    return truth


@pytest.fixture()
def store(store_url):
    """Linkage on SQLite and on PostgreSQL (production): JSON evidence, IDs and lineage on both."""
    s = Store(store_url)
    s.upgrade()
    yield s
    s.dispose()


def test_full_link_quality_and_stable_rerun(store, world):
    days = [0, 3, 6]
    store_days(store, world, days)
    first = link_database(store.engine)
    predicted = _current(store.engine)
    truth = _truth(world, days)
    assert set(predicted) == set(truth)
    scores = pairwise_scores(predicted, truth)
    assert scores.f1 >= 0.9, scores
    # impostors never merged with the actor they imitate
    actors = {a.actor_id: a for a in world.actors}
    for a in world.actors:
        if a.kind == "impostor" and a.imitates:
            mine = {predicted.get(f"{s}:{h}") for s, h in a.accounts} - {None}
            theirs = {predicted.get(f"{s}:{h}") for s, h in actors[a.imitates].accounts} - {None}
            assert not (mine & theirs), a.actor_id
    assert first.new == first.actors
    # a re-run with no new data changes no actor ID and records no lineage
    again = link_database(store.engine)
    assert _current(store.engine) == predicted
    assert (again.new, again.splits, again.merges, again.changed_accounts) == (0, 0, 0, 0)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM actor_lineage WHERE linkage_run_id = :r"),
                            {"r": again.linkage_run_id}).scalar() == 0


def test_new_days_change_only_changed_clusters(store, world, world_config):
    store_days(store, world, [0, 2])
    link_database(store.engine)
    before = _current(store.engine)
    later = [world_config.exit_day + 2, world_config.exit_day + 5]   # migrations have happened
    store_days(store, world, later)
    summary = link_database(store.engine, incremental=True)
    after = _current(store.engine)
    assert all(after[k] == v for k, v in before.items())          # incremental never moves old accounts
    new_accounts = set(after) - set(before)
    assert new_accounts, "the later days should bring new accounts"
    with store.engine.connect() as conn:
        lineage = conn.execute(sa.text("SELECT kind, accounts FROM actor_lineage WHERE linkage_run_id = :r"),
                               {"r": summary.linkage_run_id}).all()
    minted = {a for a in after.values()} - set(before.values())
    assert {k for k, _ in lineage} <= {"new"} and len(lineage) == len(minted)
    # the incremental run scored with the model the full run trained and stored; it trained none
    with store.engine.connect() as conn:
        params = [json.loads(p) if isinstance(p, str) else p for (p,) in conn.execute(sa.text(
            "SELECT params FROM linkage_runs ORDER BY linkage_run_id")).all()]
    assert params[0]["trained"] and params[0]["model"]["comparisons"]
    assert params[-1]["incremental"] and not params[-1]["trained"] and "model" not in params[-1]
    # migrants joined their old actor: most new accounts of migrating actors are linked to an existing ID
    truth = _truth(world, [0, 2] + later)
    joined = [k for k in new_accounts if after[k] in set(before.values())]
    correct = [k for k in joined if any(truth[o] == truth[k] for o, a in before.items() if a == after[k])]
    assert len(correct) == len(joined)
