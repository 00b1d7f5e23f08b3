"""The probabilistic linkage model (Splink, DuckDB backend).

Accounts are linked across sites only (``link_only``: one table per site), because an
actor has at most one account per site; clusters are formed with Splink's
single-best-links clustering so that a cluster never holds two accounts of one site.

Comparisons are the evidence a person would weigh: the name (normalised handle, or the
name on the PGP key when the handles differ, or handle likeness), shared PGP keys, shared
contacts, profile style, ships-from places, category mix and price level.  The handle and
the key's user-ID name are one comparison, not two: a key's name is usually the handle it
was made for, and scoring both would count the same evidence twice.

Everything is learnt from the data: the prior (probability that two accounts on different
sites are one actor) from the pairs that share a PGP key, u-probabilities from random
pairs, m-probabilities by EM over two blocks (same handle / same PGP keys).

Candidate pairs come from equi-joins only (same normalised handle, a shared key, contact
or key name, or names one edit apart via a deletion neighbourhood), so the number of
pairs grows with the number of namesakes, not with the square of the number of accounts.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.9
# bump when features, comparisons or blocking change: a stored model of another version is not reused
MODEL_VERSION = 2
# Assumed share of true cross-site alias pairs that show a common PGP key; used to turn the
# count of key-sharing pairs into the prior.  An assumption, not a measurement: the prior is
# not very sensitive to it (a factor 1.3 either way moves match weights by < 0.4 bit).
KEY_SHARING_RECALL = 0.75
FALLBACK_PRIOR = 0.0005          # when the data has no key-sharing pair to estimate from
RULE_PROBABILITY = 0.999
CANDIDATE_FLOOR = 0.01           # pairs scored below this are not returned (never linked)

_BLOCKS = (("handle_norm", None), ("pgp_fps", "pgp_fps"), ("contacts", "contacts"),
           ("uid_names", "uid_names"), ("handle_del1", "handle_del1"))


def _blocking_rules(only_new: bool):
    """One equi-join per evidence kind; with ``only_new`` a pair needs a new account on one side."""
    from splink.blocking_rule_library import CustomRule
    extra = " AND (l.is_new OR r.is_new)" if only_new else ""
    return [CustomRule(f"l.{col} = r.{col}{extra}", arrays_to_explode=[explode] if explode else None)
            for col, explode in _BLOCKS]


def _settings(only_new: bool = False):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    def jaccard_level(col: str, at: float):
        sql = (f"len(list_intersect({col}_l, {col}_r)) * 1.0 / "
               f"greatest(len(list_distinct(list_concat({col}_l, {col}_r))), 1) >= {at}")
        return cll.CustomLevel(sql, label_for_charts=f"{col} jaccard >= {at}")

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("handle_norm"),
            cll.ExactMatchLevel("handle_norm"),
            cll.CustomLevel("len(list_intersect(uid_names_l, uid_names_r)) >= 1",
                            label_for_charts="same PGP key name, other handle"),
            cll.JaroWinklerLevel("handle_norm", 0.95),
            cll.JaroWinklerLevel("handle_norm", 0.88),
            cll.ElseLevel()],
        comparison_description="name: normalised handle, PGP user-ID name, handle likeness")
    profile = cl.CustomComparison(
        output_column_name="profile_tokens",
        comparison_levels=[cll.NullLevel("profile_tokens"), jaccard_level("profile_tokens", 0.8),
                           jaccard_level("profile_tokens", 0.5),
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
        probability_two_random_records_match=FALLBACK_PRIOR,
        comparisons=[
            name,
            cl.ArrayIntersectAtSizes("pgp_fps", [1]),
            cl.ArrayIntersectAtSizes("contacts", [2, 1]),
            profile,
            cl.ArrayIntersectAtSizes("ships_from", [2, 1]),
            cl.ArrayIntersectAtSizes("categories", [2, 1]),
            price,
        ],
        blocking_rules_to_generate_predictions=_blocking_rules(only_new),
        retain_intermediate_calculation_columns=True,      # mw_* columns: the evidence of each pair
        retain_matching_columns=False,
    )


@dataclass
class LinkResult:
    pairs: pd.DataFrame          # unique_id_l, unique_id_r, match_probability, match_weight, mw_* (per comparison), rule
    clusters: dict[str, str]     # unique_id -> cluster representative unique_id
    levels: dict[str, list[tuple[float, str]]] = field(default_factory=dict)   # comparison -> (weight, level label)
    model: dict | None = None    # the trained Splink model (JSON-able), to score later runs without training

    def evidence(self, row: dict) -> dict[str, dict]:
        """What each comparison said about one pair: its level and its match weight (bits),
        e.g. ``{"name": {"level": "Exact match on handle_norm", "weight": 9.6}, ...}``."""
        out = {}
        for comparison, levels in self.levels.items():
            weight = row.get(f"mw_{comparison}")
            if weight is None or pd.isna(weight) or not levels:   # JSON has no NaN (PostgreSQL refuses it)
                continue
            label = min(levels, key=lambda wl: abs(wl[0] - weight))[1]
            out[comparison] = {"level": label, "weight": round(float(weight), 2)}
        return out


def _level_labels(linker) -> dict[str, list[tuple[float, str]]]:
    out = {}
    for c in linker._settings_obj.comparisons:
        out[c.output_column_name] = [(0.0 if lvl.is_null_level else float(lvl._log2_bayes_factor), lvl.label_for_charts)
                                     for lvl in c.comparison_levels]
    return out


def _register(rows: list[dict], new_ids: set[str] | None = None):
    from splink import DuckDBAPI
    db_api = DuckDBAPI()
    df = pd.DataFrame(rows)
    df["is_new"] = df["unique_id"].isin(new_ids) if new_ids is not None else False
    tables = []
    for site, part in sorted(df.groupby("site"), key=lambda kv: kv[0]):
        tables.append(db_api.register(part.reset_index(drop=True), dataset_display_name=str(site)))
    return db_api, tables, df


def _train(linker, n_rows: int, seed: int) -> None:
    from splink import block_on
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("pgp_fps", arrays_to_explode=["pgp_fps"])], recall=KEY_SHARING_RECALL)
    except Exception as exc:  # noqa: BLE001 - no key-sharing pair (tiny data): keep the fallback prior
        log.warning("prior not estimated (%s); using %s", exc, FALLBACK_PRIOR)
    linker.training.estimate_u_using_random_sampling(max_pairs=min(1e6, 50 * n_rows ** 1.2), seed=seed)
    # EM cannot use exploded blocking: train on equal handles, then on equal key lists
    for rule in (block_on("handle_norm"), block_on("pgp_fps")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, fix_probability_two_random_records_match=True)
        except Exception as exc:  # noqa: BLE001 - EM can fail on tiny data; u + priors still score
            log.warning("EM pass on %s skipped: %s", rule, exc)


def _scored_pairs(db_api, predictions, df: pd.DataFrame, floor: float) -> pd.DataFrame:
    """The model's pairs, with the key+contact rule applied, above ``floor`` (in DuckDB).

    Rule: two accounts that show the same PGP key AND share a contact handle are one actor,
    whatever their handles (vendors rebrand; a look-alike impostor has neither).  Such pairs
    get at least ``RULE_PROBABILITY`` and ``rule = 'key+contact'``."""
    con = db_api.duckdb_con
    con.register("__vigie_keys", df[["unique_id", "pgp_fps", "contacts"]])
    hit = ("coalesce(len(list_intersect(a.pgp_fps, b.pgp_fps)) > 0 "
           "AND len(list_intersect(a.contacts, b.contacts)) > 0, false)")
    names = [c.unquote().name for c in predictions.columns]
    keep = ", ".join(f"p.{c}" for c in names if c.startswith(("unique_id_", "source_dataset_", "mw_"))
                     or c == "match_weight")
    sql = f"""
        SELECT {keep},
               CASE WHEN {hit} THEN greatest(p.match_probability, {RULE_PROBABILITY})
                    ELSE p.match_probability END AS match_probability,
               CASE WHEN {hit} THEN 'key+contact' END AS rule
        FROM {predictions.physical_name} p
        JOIN __vigie_keys a ON a.unique_id = p.unique_id_l
        JOIN __vigie_keys b ON b.unique_id = p.unique_id_r
        WHERE {hit} OR p.match_probability >= {floor}"""
    pairs = con.sql(sql).df()
    con.unregister("__vigie_keys")
    predictions.drop_table_from_database_and_remove_from_cache()
    return pairs


def _linker(tables, only_new: bool, model: dict | None):
    """A linker with fresh settings, or with a trained ``model`` (its parameters as they were,
    its blocking rules replaced by this run's)."""
    from splink import Linker
    if model is None:
        return Linker(tables, _settings(only_new), log_level=logging.WARNING)
    settings = dict(model)
    settings["blocking_rules_to_generate_predictions"] = [
        rule.get_blocking_rule("duckdb").as_dict() for rule in _blocking_rules(only_new)]
    return Linker(tables, settings, log_level=logging.WARNING)


def train_and_link(rows: list[dict], threshold: float = DEFAULT_THRESHOLD, seed: int = 42,
                   new_ids: set[str] | None = None, model: dict | None = None) -> LinkResult:
    """Train the model on these account rows, score candidate pairs, cluster them.

    With ``new_ids`` (incremental linkage) only pairs with a new account on at least one side
    are scored, and no clustering is done (the caller places the new accounts); ``clusters``
    then maps every account to itself.  With ``model`` (``LinkResult.model`` of an earlier run)
    nothing is trained: the model's parameters score the pairs as they are."""
    sites = sorted({r["site"] for r in rows})
    if len(rows) == 0:
        return LinkResult(pd.DataFrame(), {})
    singletons = {r["unique_id"]: r["unique_id"] for r in rows}
    if len(sites) < 2 or new_ids is not None and not new_ids:
        return LinkResult(pd.DataFrame(), singletons, model=model)
    db_api, tables, df = _register(rows, new_ids)
    linker = _linker(tables, new_ids is not None, model)
    if model is None:
        _train(linker, len(rows), seed)
    trained = linker.misc.save_model_to_json()
    predictions = linker.inference.predict()
    pairs = _scored_pairs(db_api, predictions, df, floor=min(CANDIDATE_FLOOR, threshold))
    levels = _level_labels(linker)
    if new_ids is not None or pairs.empty:
        return LinkResult(pairs=pairs, clusters=singletons, levels=levels, model=trained)
    clustered = linker.clustering.cluster_using_single_best_links(
        db_api.register(pairs), duplicate_free_datasets=sites, threshold_match_probability=threshold)
    cl = clustered.as_pandas_dataframe()
    clusters = {str(u): str(c) for u, c in zip(cl["unique_id"], cl["cluster_id"])}
    for r in rows:
        clusters.setdefault(r["unique_id"], r["unique_id"])
    return LinkResult(pairs=pairs, clusters=clusters, levels=levels, model=trained)
