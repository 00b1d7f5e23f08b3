"""Unit prices (EUR per gram / pill / blotter ...) by site, day, category, ships-from country
and unit: count, first quartile, median, third quartile (linear interpolation)."""
from __future__ import annotations

import pandas as pd

from crawler.indicators.frames import IndicatorInputs

KEYS = ["site", "day", "category", "ships_from", "unit"]


def unit_prices(inp: IndicatorInputs) -> pd.DataFrame:
    ld = inp.listing_days.dropna(subset=["unit_price_eur", "unit"])
    if ld.empty:
        return pd.DataFrame(columns=KEYS + ["listings", "q1", "median", "q3", "partial"])
    ld = ld.assign(ships_from=ld["ships_from"].fillna("UNDECLARED"), unit_price_eur=ld["unit_price_eur"].astype(float))
    g = ld.groupby(KEYS)["unit_price_eur"]
    out = pd.DataFrame({
        "listings": g.size(),
        "q1": g.quantile(0.25).round(2),
        "median": g.median().round(2),
        "q3": g.quantile(0.75).round(2),
    }).reset_index()
    out.loc[out["ships_from"] == "UNDECLARED", "ships_from"] = None
    out = out.merge(inp.run_days, on=["site", "day"], how="left")
    return out.sort_values(KEYS, na_position="last").reset_index(drop=True)
