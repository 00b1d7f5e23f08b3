"""The probabilistic linkage model (Splink, DuckDB backend).

Accounts are linked across sites only (``link_only``: one table per site), because an
actor has at most one account per site; clusters are formed with Splink's
single-best-links clustering so that a cluster never holds two accounts of one site.
Comparisons are the evidence a person would weigh: handle likeness, shared PGP keys,
shared contacts, PGP user-ID names, profile style, ships-from places, category mix and
price level.  u-probabilities come from random sampling, m-probabilities from EM over
two blocking passes (same handle / same PGP key), so the weights are learnt from the
data rather than set by hand.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.9


def _settings():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def jaccard_level(col: str, at: float):
        sql = (f"len(list_intersect({col}_l, {col}_r)) * 1.0 / "
               f"greatest(len(list_distinct(list_concat({col}_l, {col}_r))), 1) >= {at}")
        return cll.CustomLevel(sql, label_for_charts=f"{col} jaccard >= {at}")

    profile = cl.CustomComparison(
        output_column_name="profile_tokens",
        comparison_levels=[cll.NullLevel("profile_tokens"), jaccard_level("profile_tokens", 0.5),
                           jaccard_level("profile_tokens", 0.25), jaccard_level("profile_tokens", 0.1),
                           cll.ElseLevel()],
        comparison_description="profile style (token Jaccard)")
    price = cl.CustomComparison(
        output_column_name="price_level",
        comparison_levels=[cll.NullLevel("price_level"),
                           cll.CustomLevel("abs(price_level_l - price_level_r) <= 0.05", label_for_charts="±5%"),
                           cll.CustomLevel("abs(price_level_l - price_level_r) <= 0.15", label_for_charts="±15%"),
                           cll.ElseLevel()],
        comparison_description="price level vs market")
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=0.0005,
        comparisons=[
            cl.JaroWinklerAtThresholds("handle_norm", [0.95, 0.88, 0.8]),
            cl.ArrayIntersectAtSizes("pgp_fps", [1]),
            cl.ArrayIntersectAtSizes("contacts", [2, 1]),
            cl.ArrayIntersectAtSizes("uid_names", [1]),
            profile,
            cl.ArrayIntersectAtSizes("ships_from", [2, 1]),
            cl.ArrayIntersectAtSizes("categories", [2, 1]),
            price,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("handle_prefix"),
            block_on("pgp_fps", arrays_to_explode=["pgp_fps"]),
            block_on("contacts", arrays_to_explode=["contacts"]),
            block_on("uid_names", arrays_to_explode=["uid_names"]),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


@dataclass
class LinkResult:
    pairs: pd.DataFrame          # unique_id_l, unique_id_r, match_probability, match_weight, evidence columns
    clusters: dict[str, str]     # unique_id -> cluster representative unique_id


def _register(rows: list[dict]):
    from splink import DuckDBAPI
    db_api = DuckDBAPI()
    df = pd.DataFrame(rows)
    tables = []
    for site, part in sorted(df.groupby("site"), key=lambda kv: kv[0]):
        tables.append(db_api.register(part.reset_index(drop=True), dataset_display_name=str(site)))
    return db_api, tables


RULE_PROBABILITY = 0.999


def apply_key_and_contact_rule(pairs: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """Two accounts that show the same PGP key AND share a contact handle are one actor,
    whatever their handles (vendors rebrand; a look-alike impostor has neither).  Such
    pairs get at least ``RULE_PROBABILITY`` and ``rule = 'key+contact'``; the others keep
    the model's score."""
    pairs = pairs.copy()
    pairs["rule"] = None
    if pairs.empty:
        return pairs
    by_id = {r["unique_id"]: r for r in rows}

    def shared(a: str, b: str, col: str) -> bool:
        return bool(set(by_id[a].get(col) or ()) & set(by_id[b].get(col) or ()))

    hit = [shared(l, r, "pgp_fps") and shared(l, r, "contacts")
           for l, r in zip(pairs["unique_id_l"].astype(str), pairs["unique_id_r"].astype(str))]
    mask = pd.Series(hit, index=pairs.index)
    pairs.loc[mask, "rule"] = "key+contact"
    pairs.loc[mask, "match_probability"] = pairs.loc[mask, "match_probability"].clip(lower=RULE_PROBABILITY)
    return pairs


def train_and_link(rows: list[dict], threshold: float = DEFAULT_THRESHOLD, seed: int = 42) -> LinkResult:
    """Train the model on these account rows, score candidate pairs, cluster them."""
    from splink import Linker, block_on

    sites = sorted({r["site"] for r in rows})
    if len(rows) == 0:
        return LinkResult(pd.DataFrame(), {})
    if len(sites) < 2:
        return LinkResult(pd.DataFrame(), {r["unique_id"]: r["unique_id"] for r in rows})
    _db_api, tables = _register(rows)
    linker = Linker(tables, _settings(), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=min(2e6, 50 * len(rows) ** 1.2), seed=seed)
    # EM cannot use exploded blocking: train on equal handles, then on equal key lists
    for rule in (block_on("handle_norm"), block_on("pgp_fps")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, fix_probability_two_random_records_match=True)
        except Exception as exc:  # noqa: BLE001 - EM can fail on tiny data; u + priors still score
            log.warning("EM pass on %s skipped: %s", rule, exc)
    predictions = linker.inference.predict()      # every blocked pair: the rule below may lift any of them
    pairs = apply_key_and_contact_rule(predictions.as_pandas_dataframe(), rows)
    scored = _db_api.register(pairs)
    clustered = linker.clustering.cluster_using_single_best_links(
        scored, duplicate_free_datasets=sites, threshold_match_probability=threshold)
    cl = clustered.as_pandas_dataframe()
    clusters = {str(u): str(c) for u, c in zip(cl["unique_id"], cl["cluster_id"])}
    for r in rows:
        clusters.setdefault(r["unique_id"], r["unique_id"])
    return LinkResult(pairs=pairs, clusters=clusters)
