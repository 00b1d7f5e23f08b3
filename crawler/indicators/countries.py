"""Vendors by ships-from place, per site and day, and their share.

A vendor shipping from several places counts once in each; the share is over the
day's active vendors, so shares of one day may add up to more than 1.  Region codes
(EU, EUROPE, WORLDWIDE...) are kept with ``is_country`` false; undeclared is
``ships_from`` NULL.  The Belgian view is ``ships_from == 'BE'``.
"""
from __future__ import annotations

import pandas as pd

from crawler.indicators.frames import IndicatorInputs

REGION_CODES = frozenset({"EU", "EUROPE", "WORLDWIDE", "NORTH_AMERICA", "ASIA", "OCEANIA"})


def vendors_by_country(inp: IndicatorInputs) -> pd.DataFrame:
    ld = inp.listing_days
    if ld.empty:
        return pd.DataFrame(columns=["site", "day", "ships_from", "is_country", "vendors", "share", "partial"])
    active = ld.groupby(["site", "day"])["vendor"].nunique().rename("active_vendors")
    per = (ld.assign(ships_from=ld["ships_from"].fillna("UNDECLARED"))
             .groupby(["site", "day", "ships_from"])["vendor"].nunique().rename("vendors").reset_index())
    per = per.merge(active.reset_index(), on=["site", "day"])
    per["share"] = (per["vendors"] / per["active_vendors"]).round(4)
    per["is_country"] = ~per["ships_from"].isin(REGION_CODES | {"UNDECLARED"})
    per.loc[per["ships_from"] == "UNDECLARED", "ships_from"] = None
    per = per.merge(inp.run_days, on=["site", "day"], how="left")
    return per[["site", "day", "ships_from", "is_country", "vendors", "share", "partial"]] \
        .sort_values(["site", "day", "ships_from"], na_position="last").reset_index(drop=True)
