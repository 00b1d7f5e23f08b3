"""Compare indicators computed from the database with those computed from the truth."""
from __future__ import annotations

import pandas as pd


def _norm(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    f = frame.copy()
    for c in f.columns:
        if c in ("partial", "is_country"):
            f[c] = f[c].astype(bool)
        elif f[c].dtype == object and c not in keys:
            f[c] = f[c].where(f[c].notna(), None)
    return f.sort_values(keys).reset_index(drop=True)


def complete_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["partial"].astype(bool)] if "partial" in frame.columns and not frame.empty else frame


def assert_same(db: pd.DataFrame, truth: pd.DataFrame, keys: list[str], what: str, complete_only: bool = True):
    if complete_only:
        db, truth = complete_rows(db), complete_rows(truth)
    a, b = _norm(db, keys), _norm(truth, keys)
    cols = [c for c in b.columns if c in a.columns]
    a, b = a[cols], b[cols]
    merged = a.merge(b, on=keys, how="outer", suffixes=("_db", "_truth"), indicator=True)
    only = merged[merged["_merge"] != "both"]
    assert only.empty, f"{what}: rows only on one side:\n{only[keys + ['_merge']].head(20)}"
    for c in cols:
        if c in keys:
            continue
        x, y = merged[f"{c}_db"], merged[f"{c}_truth"]
        both_null = x.isna() & y.isna()
        numeric = (pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y)
                   and not pd.api.types.is_bool_dtype(x) and not pd.api.types.is_bool_dtype(y))
        if numeric:
            diff = ~both_null & ~((x.astype(float) - y.astype(float)).abs() <= 0.011)
        else:
            diff = ~both_null & (x.astype(str) != y.astype(str))
        bad = merged[diff]
        assert bad.empty, f"{what}.{c} differs on {len(bad)} rows:\n{bad[keys + [f'{c}_db', f'{c}_truth']].head(10)}"


def map_actor_ids(db_accounts: pd.DataFrame, truth_accounts: pd.DataFrame) -> dict[str, str]:
    """DB actor ID -> truth actor ID (by majority of shared accounts)."""
    m = db_accounts.merge(truth_accounts, on=["site", "handle"], suffixes=("_db", "_truth"))
    counts = m.groupby(["actor_id_db", "actor_id_truth"]).size().reset_index(name="n")
    best = counts.sort_values("n", ascending=False).drop_duplicates("actor_id_db")
    return dict(zip(best["actor_id_db"], best["actor_id_truth"]))
