"""Social feeds: per day and city keyword, posts, drug adverts and their share; contacts."""
from __future__ import annotations

import pandas as pd

from crawler.indicators.frames import IndicatorInputs


def advert_share_daily(inp: IndicatorInputs) -> pd.DataFrame:
    p = inp.posts.dropna(subset=["city"])
    if p.empty:
        return pd.DataFrame(columns=["day", "city", "posts", "adverts", "advert_share"])
    g = p.groupby(["day", "city"])
    out = pd.DataFrame({"posts": g["post_id"].nunique(),
                        "adverts": g.apply(lambda d: d.loc[d["is_advert"].astype(bool), "post_id"].nunique(),
                                           include_groups=False)}).reset_index()
    out["advert_share"] = (out["adverts"] / out["posts"]).round(4)
    return out.sort_values(["day", "city"]).reset_index(drop=True)


def contacts(inp: IndicatorInputs) -> pd.DataFrame:
    c = inp.post_contacts
    if c.empty:
        return pd.DataFrame(columns=["kind", "value", "posts", "first_day", "last_day"])
    g = c.groupby(["kind", "value"])
    return pd.DataFrame({"posts": g["post_id"].nunique(), "first_day": g["day"].min(),
                         "last_day": g["day"].max()}).reset_index().sort_values(["kind", "value"]).reset_index(drop=True)
