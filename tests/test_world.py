"""The mock world's simulation: determinism, domain shares, events, keys, prices."""
from __future__ import annotations

import base64
import hashlib
from collections import Counter
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from mock_sites.world import World, WorldConfig
from mock_sites.world.truth import truth_json


@pytest.fixture(scope="module")
def default_world() -> World:
    return World(WorldConfig())


# -- determinism -------------------------------------------------------------------------------
def test_truth_is_byte_identical_for_equal_configs(world_config, world):
    other = World(world_config)
    assert truth_json(world, 7) == truth_json(other, 7)


def test_different_seeds_differ(world_config, world):
    assert truth_json(world, 3) != truth_json(World(world_config.with_(seed=12)), 3)


def test_a_day_does_not_depend_on_the_days_computed_before(world_config):
    fresh, warm = World(world_config), World(world_config)
    for day in range(0, 9):
        warm.day_view(day)
    assert truth_json(fresh, 9) == truth_json(warm, 9)


def test_truth_json_has_the_documented_top_level_fields(world):
    import json
    data = json.loads(truth_json(world, 2))
    assert data["format"] == "vigie-mock-truth/1"
    assert set(data) == {"format", "seed", "day", "date", "now", "sites", "events", "actors", "accounts",
                         "listings", "feedback", "posts"}
    assert data["now"].endswith("12:00:00+00:00")


# -- domain shares -------------------------------------------------------------------------------
def test_belgian_actors_are_rare_but_present(default_world, world):
    homes = Counter(a.home_country for a in default_world.actors)
    assert 2 <= homes["BE"] < 0.02 * len(default_world.actors)
    assert homes["US"] > homes["GB"] > homes["NL"] > homes["BE"]
    assert Counter(a.home_country for a in world.actors)["BE"] >= 2     # small worlds too


def _multi_origin_nl_be(world: World) -> set[str]:
    return {acc.actor_id for d in (0, 5) for acc in world.day_view(d).accounts
            if set(acc.ships_from) == {"NL", "BE"}}


def test_at_least_two_actors_ship_from_both_nl_and_be(default_world, world):
    assert len(_multi_origin_nl_be(default_world)) >= 2
    assert len(_multi_origin_nl_be(world)) >= 2


def _feedback_over_period(world: World) -> list:
    seen = {}
    for day in range(29, world.config.days, 30):
        for f in world.day_view(day).feedback:
            seen[(f.site, f.feedback_id)] = f
    return list(seen.values())


def test_transaction_values_match_the_report(default_world):
    orders = _feedback_over_period(default_world)
    values = [f.order_eur for f in orders]
    assert len(values) > 3000
    assert sum(v < 200 for v in values) / len(values) > 0.90
    revenue = sum(values)
    assert 0.25 <= sum(v for v in values if v >= 200) / revenue <= 0.35
    assert max(f.order_eur for f in orders if f.site in ("bazaar", "nocturne")) <= 1000
    assert max(values) <= 3000


def test_feedback_entries_are_unique_and_in_the_window(world):
    view = world.day_view(20)
    keys = [(f.site, f.listing_id, f.posted_on, f.buyer, f.text) for f in view.feedback]
    assert len(keys) == len(set(keys))
    ids = [(f.site, f.feedback_id) for f in view.feedback]
    assert len(ids) == len(set(ids))
    assert all(0 <= (view.date - f.posted_on).days < 30 for f in view.feedback)
    assert {f.rating for f in view.feedback} <= {1, 2, 3, 4, 5}
    ratings = Counter(f.rating for f in view.feedback)
    assert (ratings[4] + ratings[5]) / len(view.feedback) > 0.75


def test_feedback_orders_are_the_listing_price_of_that_day(world):
    view = world.day_view(6)
    today = {l.listing_id: l for l in view.listings}
    fresh = [f for f in view.feedback if f.posted_on == view.date and f.listing_id in today]
    assert fresh
    assert all(f.order_eur == today[f.listing_id].price_eur for f in fresh)


def test_sales_count_grows_by_the_day_s_feedback(world):
    before = {(a.site, a.handle): a.sales_count for a in world.day_view(3).accounts}
    view = world.day_view(4)
    new = Counter((f.site, f.vendor) for f in view.feedback if f.posted_on == view.date)
    for acc in view.accounts:
        if (acc.site, acc.handle) in before:
            assert acc.sales_count == before[(acc.site, acc.handle)] + new[(acc.site, acc.handle)]


def test_listing_prices_and_units(default_world):
    view = default_world.day_view(10)
    caps = {"bazaar": 1000, "nocturne": 1000, "vault": 3000}
    for l in view.listings:
        assert Decimal("0.01") <= l.price_eur <= caps[l.site]
        assert l.unit_price_eur == (l.price_eur / l.quantity).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        assert l.unit in ("g", "pill", "blotter", "ml", "unit")
    herb = [float(l.unit_price_eur) for l in view.listings if l.category == "cannabis_herb" and l.quantity <= 14]
    coke = [float(l.unit_price_eur) for l in view.listings if l.category == "cocaine" and l.quantity <= 3.5]
    assert 6 <= sorted(herb)[len(herb) // 2] <= 13
    assert 50 <= sorted(coke)[len(coke) // 2] <= 100


def _amount(text: str) -> Decimal:
    if text.startswith("€"):
        return Decimal(text[1:])
    if text.endswith(" €"):
        return Decimal(text[:-2].replace(".", "").replace(",", "."))
    return Decimal(text.split()[0])


def test_price_shown_round_trips_to_price_eur(world):
    view = world.day_view(4)
    currencies = Counter()
    for l in view.listings:
        currencies[(l.site, l.currency)] += 1
        amount = _amount(l.price_shown)
        if l.currency == "EUR":
            assert amount == l.price_eur
            continue
        decimals = {"BTC": 8, "XMR": 12}[l.currency]
        assert l.price_shown.endswith(" " + l.currency)
        assert len(l.price_shown.split()[0].split(".")[1]) == decimals
        rate = view.sites[l.site].rate_eur
        assert (amount * rate).quantize(Decimal("0.01"), ROUND_HALF_EVEN) == l.price_eur
    assert set(currencies) >= {("bazaar", "BTC"), ("nocturne", "XMR"), ("nocturne", "EUR"), ("vault", "EUR")}


def test_vault_prices_use_the_european_format():
    from mock_sites.world.money import european
    assert european(Decimal("1234.5")) == "1.234,50 €"
    assert european(Decimal("45")) == "45,00 €"


def test_the_html_handle_is_always_on_bazaar(world_config):
    for seed in (1, 2, 3):
        view = World(world_config.with_(seed=seed)).day_view(0)
        assert any(a.site == "bazaar" and a.handle == "<script>alert(1)</script>Kush" for a in view.accounts)


def test_handles_are_unique_per_site(world):
    for day in (0, 20):
        seen = Counter((a.site, a.handle.lower()) for a in world.day_view(day).accounts)
        assert max(seen.values()) == 1


# -- PGP keys --------------------------------------------------------------------------------------
def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc = (crc << 1) ^ (0x1864CFB if crc & 0x800000 else 0)
    return crc & 0xFFFFFF


def _dearmour(block: str) -> bytes:
    lines = block.strip().splitlines()
    assert lines[0] == "-----BEGIN PGP PUBLIC KEY BLOCK-----" and lines[-1] == "-----END PGP PUBLIC KEY BLOCK-----"
    body = lines[lines.index("") + 1:-1]
    checksum = [l for l in body if l.startswith("=")]
    data = base64.b64decode("".join(l for l in body if not l.startswith("=")))
    assert checksum and int.from_bytes(base64.b64decode(checksum[0][1:]), "big") == _crc24(data)
    return data


def _packets(data: bytes):
    i = 0
    while i < len(data):
        head = data[i]
        assert head & 0xC0 == 0xC0, "new-format packets"
        tag, first = head & 0x3F, data[i + 1]
        if first < 192:
            length, i = first, i + 2
        elif first < 224:
            length, i = ((first - 192) << 8) + data[i + 2] + 192, i + 3
        else:
            length, i = int.from_bytes(data[i + 2:i + 6], "big"), i + 6
        yield tag, data[i:i + length]
        i += length


def test_pgp_fingerprints_follow_rfc4880(world):
    accounts = [a for a in world.day_view(0).accounts if a.pgp_key]
    assert accounts
    for acc in accounts:
        packets = list(_packets(_dearmour(acc.pgp_key)))
        assert [t for t, _ in packets] == [6, 13]
        key = packets[0][1]
        assert key[0] == 4 and key[5] == 22                       # v4, EdDSA
        assert key[6:16] == bytes([9]) + bytes.fromhex("2B06010401DA470F01")
        assert int.from_bytes(key[16:18], "big") == 263 and key[18] == 0x40 and len(key) == 51
        fpr = hashlib.sha1(b"\x99" + len(key).to_bytes(2, "big") + key).hexdigest().upper()
        assert fpr == acc.pgp_fingerprint
        assert packets[1][1].decode().endswith("@example.invalid>")


def test_multi_site_actors_mostly_share_keys(default_world):
    keys: dict[str, set] = {}
    sites: dict[str, set] = {}
    for day in (0, 89):
        for acc in default_world.day_view(day).accounts:
            keys.setdefault(acc.actor_id, set()).add(acc.pgp_fingerprint)
            sites.setdefault(acc.actor_id, set()).add(acc.site)
    multi = [a for a in keys if len(sites[a]) > 1]
    shared = sum(len(keys[a]) == 1 for a in multi)
    assert 0.5 < shared / len(multi) < 0.95


# -- impostors -------------------------------------------------------------------------------------
def _accounts_by_actor(world: World, days=(0, 15, 29)) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for day in days:
        for acc in world.day_view(day).accounts:
            out.setdefault(acc.actor_id, {})[(acc.site, acc.handle)] = acc
    return out


def test_impostors_look_alike_but_differ_in_evidence(default_world):
    from rapidfuzz.distance import Levenshtein
    actors = {a.actor_id: a for a in default_world.actors}
    impostors = [a for a in default_world.actors if a.kind == "impostor"]
    assert 0.03 <= len(impostors) / len(actors) <= 0.07
    accounts = _accounts_by_actor(default_world, days=(0, 30, 60, 89))
    for imp in impostors:
        target = actors[imp.imitates]
        assert target.kind == "vendor" and imp.home_country != target.home_country
        mine, theirs = accounts.get(imp.actor_id, {}), accounts.get(target.actor_id, {})
        target_handles = [h for _, h in target.accounts]
        for (site, handle), acc in mine.items():
            assert handle not in target_handles
            assert min(Levenshtein.distance(handle.lower(), h.lower()) for h in target_handles) <= 12
            for other in theirs.values():
                assert acc.pgp_fingerprint != other.pgp_fingerprint
                assert not set(acc.contacts) & set(other.contacts)
                assert acc.profile.split()[-1] != other.profile.split()[-1] or acc.profile[:12] != other.profile[:12]


# -- events ----------------------------------------------------------------------------------------
def test_site_statuses_follow_the_calendar(world_config, world):
    c = world_config
    assert world.day_view(c.exit_day - 1).sites["bazaar"].status == "up"
    assert world.day_view(c.exit_day).sites["bazaar"].status == "exited"
    assert world.day_view(c.takedown_day).sites["vault"].status == "takedown"
    assert world.day_view(5).sites["nocturne"].status == "down"
    assert world.day_view(10).sites["vault"].status == "captcha"
    assert world.day_view(7).sites["bazaar"].layout == "v1"
    assert world.day_view(8).sites["bazaar"].layout == "v2"
    kinds = {d: {(e.kind, e.site) for e in world.day_view(d).events} for d in (5, 8, 10, 18, 26)}
    assert ("downtime", "nocturne") in kinds[5] and ("layout_change", "bazaar") in kinds[8]
    assert ("captcha", "vault") in kinds[10] and ("exit", "bazaar") in kinds[18]
    assert ("takedown", "vault") in kinds[26]


def test_downtime_and_captcha_days_keep_the_data(world):
    for site, day in (("nocturne", 5), ("vault", 10)):
        view = world.day_view(day)
        assert any(l.site == site for l in view.listings)
        assert any(a.site == site for a in view.accounts)
        assert any(f.site == site for f in view.feedback)
    # nobody buys on a down day
    assert not [f for f in world.day_view(5).feedback if f.site == "nocturne" and f.posted_on == world.day_view(5).date]


def test_exit_and_takedown_remove_the_site_data(world_config, world):
    for site, day in (("bazaar", world_config.exit_day), ("vault", world_config.takedown_day)):
        view = world.day_view(day)
        assert not [x for x in view.accounts + view.listings + view.feedback if x.site == site]
        before = world.day_view(day - 1)
        assert [l for l in before.listings if l.site == site]
        assert all(a.closed_day == day - 1 for a in before.accounts if a.site == site)


def test_migration_after_the_exit(world_config, world):
    c = world_config
    events = [e for d in range(c.exit_day, c.days) for e in world.day_view(d).events if e.kind == "migration"]
    assert events
    leavers = {a.actor_id for a in world.day_view(c.exit_day - 1).accounts if a.site == c.exit_site}
    for e in events:
        detail = dict(e.detail)
        assert detail["from"] == c.exit_site and detail["to"] != c.exit_site
        assert c.exit_day <= e.day < c.exit_day + c.migration_window
        assert detail["actor"] in leavers
        view = world.day_view(e.day)
        acc = [a for a in view.accounts if a.site == detail["to"] and a.handle == detail["handle"]]
        assert acc and acc[0].actor_id == detail["actor"] and acc[0].opened_day == e.day
        assert not [a for a in world.day_view(e.day - 1).accounts if a.site == detail["to"] and a.handle == detail["handle"]]


def test_relocation_moves_ships_from_and_keeps_listing_ids(world_config, world):
    day = world_config.relocation_day
    events = [e for e in world.day_view(day).events if e.kind == "relocation"]
    assert 1 <= len(events) <= 3
    for e in events:
        actor = dict(e.detail)["actor"]
        before = {l.listing_id: l for l in world.day_view(day - 1).listings
                  if any(a.actor_id == actor and a.handle == l.vendor and a.site == l.site
                         for a in world.day_view(day - 1).accounts)}
        after = {l.listing_id: l for l in world.day_view(day).listings if l.listing_id in before}
        moved = [lid for lid, l in before.items() if l.ships_from == "NL"]
        assert moved and all(after[lid].ships_from == "BE" for lid in moved if lid in after)
        assert any(lid in after for lid in moved)
        accs = [a for a in world.day_view(day).accounts if a.actor_id == actor]
        assert accs and all("NL" not in a.ships_from and "BE" in a.ships_from for a in accs)


def test_listings_churn_and_prices_change_with_stable_ids(default_world):
    a, b = default_world.day_view(30), default_world.day_view(31)
    before = {(l.site, l.listing_id): l for l in a.listings if l.site != "bazaar"}
    after = {(l.site, l.listing_id): l for l in b.listings if l.site != "bazaar"}
    ended = len(set(before) - set(after)) / len(before)
    assert 0.005 < ended < 0.08
    assert set(after) - set(before)
    changed = [k for k in set(before) & set(after) if before[k].price_eur != after[k].price_eur]
    assert changed


# -- feed ------------------------------------------------------------------------------------------
def test_feed_posts(default_world):
    view = default_world.day_view(20)
    assert len(view.posts) == 7 * default_world.config.posts_per_day
    assert len({p.post_id for p in view.posts}) == len(view.posts)
    assert all(p.posted_at <= view.now and (view.now - p.posted_at).days < 7 for p in view.posts)
    assert all(p.posted_at.microsecond == 0 for p in view.posts)
    by_city = {}
    for p in view.posts:
        by_city.setdefault(p.city, []).append(p.is_advert)
    assert sum(by_city["lorient"]) / len(by_city["lorient"]) > 0.6
    assert sum(by_city["paris"]) / len(by_city["paris"]) < 0.15
    adverts = [p for p in view.posts if p.is_advert]
    assert all(p.contacts and set(p.hashtags) & {"beuh", "shit", "coke", "weed", "plug", "livraison", "drugs"}
               for p in adverts)
    decoys = [p for p in view.posts if not p.is_advert and ("shit" in p.text.lower() or p.contacts)]
    assert decoys
    market = {c for a in view.accounts for c in a.contacts}
    assert any(set(p.contacts) & market for p in adverts) or len(adverts) < 20


# -- files -----------------------------------------------------------------------------------------
def test_bundled_targets_file_is_valid():
    from crawler.targets import MOCK_TARGETS, load_targets
    targets = load_targets(MOCK_TARGETS)
    assert [t.key for t in targets.target] == ["bazaar", "nocturne", "vault", "feed"]
    assert targets.get("vault").credentials.username_env == "VIGIE_VAULT_USER"
    assert targets.get("feed").authorisation.scope == ["127.0.0.1:8703"]


def test_cli_writes_the_truth(tmp_path):
    from typer.testing import CliRunner
    from mock_sites.cli import app
    out = tmp_path / "truth.json"
    result = CliRunner().invoke(app, ["truth", "--day", "2", "--out", str(out), "--seed", "3", "--days", "10",
                                      "--actors", "30"])
    assert result.exit_code == 0, result.output
    import json
    data = json.loads(out.read_text())
    assert data["seed"] == 3 and data["day"] == 2 and data["accounts"]
