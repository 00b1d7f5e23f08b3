"""Indicators from the database (items stored as a perfect crawl would store them, then
linked) equal the indicators computed from the mock world's truth, on every complete day."""
import pytest

from crawler.indicators import compute_all
from crawler.indicators.from_db import inputs_from_db
from crawler.indicators.from_truth import inputs_from_world
from crawler.linkage.service import link_database
from storage import Store
from tests.indicator_compare import assert_same, map_actor_ids
from tests.truth_items import store_days

MARKETS = ("bazaar", "nocturne", "vault")


@pytest.fixture(scope="module")
def computed(world, tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('ind')}/ind.db")
    store.upgrade()
    days = list(range(world.config.days))
    store_days(store, world, days, sites=MARKETS)
    link_database(store.engine)
    db_inputs = inputs_from_db(store.engine)
    truth_inputs = inputs_from_world(world, days, sites=MARKETS)
    yield db_inputs, compute_all(db_inputs), truth_inputs, compute_all(truth_inputs)
    store.dispose()


def test_site_daily_equal_on_complete_days(computed):
    _, db, _, truth = computed
    assert_same(db["ind_site_daily"], truth["ind_site_daily"], ["site", "day"], "ind_site_daily")


def test_partial_days_flagged_identically(computed):
    _, db, _, truth = computed
    a = db["ind_site_daily"].set_index(["site", "day"])["partial"].astype(bool)
    b = truth["ind_site_daily"].set_index(["site", "day"])["partial"].astype(bool)
    assert a.sort_index().equals(b.sort_index())
    assert a.sum() > 0                                  # the world has downtime, CAPTCHA, exit and takedown days


def test_countries_and_prices_equal(computed):
    _, db, _, truth = computed
    assert_same(db["ind_vendors_by_country"], truth["ind_vendors_by_country"], ["site", "day", "ships_from"],
                "ind_vendors_by_country")
    assert_same(db["ind_unit_prices"], truth["ind_unit_prices"], ["site", "day", "category", "ships_from", "unit"],
                "ind_unit_prices")


def test_closure_migration_and_relocation_found(computed, world_config):
    db_in, db, truth_in, truth = computed
    assert_same(db["ind_closures"], truth["ind_closures"], ["site"], "ind_closures", complete_only=False)
    closed = dict(zip(truth["ind_closures"]["site"], truth["ind_closures"]["closed_on"]))
    assert world_config.exit_site in closed
    to_truth = map_actor_ids(db_in.actor_accounts, truth_in.actor_accounts)
    mig_db = db["ind_migrations"].assign(actor_id=db["ind_migrations"]["actor_id"].map(to_truth))
    assert_same(mig_db, truth["ind_migrations"], ["from_site", "actor_id", "to_site"], "ind_migrations",
                complete_only=False)
    assert (truth["ind_migrations"]["kind"] == "migrated").sum() > 0
    rel_db = db["ind_relocations"].assign(actor_id=db["ind_relocations"]["actor_id"].map(to_truth))
    assert_same(rel_db, truth["ind_relocations"], ["actor_id", "day"], "ind_relocations", complete_only=False)
    assert not truth["ind_relocations"].empty
