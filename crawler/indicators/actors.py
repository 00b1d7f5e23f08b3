"""Actor-level indicators (cross-site identities from the linkage).

- multi-origin actors: ship from more than one country within a rolling window;
  among those that ship from Belgium, the share that ship from both NL and BE;
- relocation events: on complete days, an actor's ships-from countries change to a set
  disjoint from the previous one, the old set having held and the new one holding for
  ``relocation_min_days`` crawled days each (a one-day blip is not a move);
- migration after a closure: a site is closed from the first day of a run of at least
  ``closure_min_days`` non-complete crawls lasting to the end of the data; its actors
  (seen there in the 30 days before) that open an account on another site within
  ``migration_horizon_days`` are migrations (how many, where, how soon).
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

from crawler.indicators.countries import REGION_CODES
from crawler.indicators.frames import IndicatorConfig, IndicatorInputs


def _actor_days(inp: IndicatorInputs, complete_only: bool = False) -> pd.DataFrame:
    ld = inp.listing_days.merge(inp.actor_accounts, left_on=["site", "vendor"], right_on=["site", "handle"])
    if complete_only:
        complete = inp.run_days[~inp.run_days["partial"].astype(bool)][["site", "day"]]
        ld = ld.merge(complete, on=["site", "day"])
    ld = ld[ld["ships_from"].notna() & ~ld["ships_from"].isin(REGION_CODES)]
    return ld[["actor_id", "site", "day", "ships_from"]]


def multi_origin_daily(inp: IndicatorInputs, cfg: IndicatorConfig = IndicatorConfig()) -> pd.DataFrame:
    ad = _actor_days(inp)
    days = sorted(inp.run_days["day"].unique())
    if ad.empty or not days:
        return pd.DataFrame(columns=["day", "window_days", "actors", "multi_origin", "be_multi_origin", "nl_be",
                                     "nl_be_share"])
    per_day = ad.groupby(["day", "actor_id"])["ships_from"].apply(set)
    rows = []
    for day in days:
        start = day - timedelta(days=cfg.multi_origin_window_days - 1)
        window = per_day[(per_day.index.get_level_values("day") >= start) &
                         (per_day.index.get_level_values("day") <= day)]
        countries: dict[str, set] = {}
        for (_, actor), places in window.items():
            countries.setdefault(actor, set()).update(places)
        multi = {a for a, c in countries.items() if len(c) > 1}
        be_multi = {a for a in multi if "BE" in countries[a]}
        nl_be = {a for a in be_multi if "NL" in countries[a]}
        rows.append({"day": day, "window_days": cfg.multi_origin_window_days, "actors": len(countries),
                     "multi_origin": len(multi), "be_multi_origin": len(be_multi), "nl_be": len(nl_be),
                     "nl_be_share": round(len(nl_be) / len(be_multi), 4) if be_multi else None})
    return pd.DataFrame(rows)


def relocations(inp: IndicatorInputs, cfg: IndicatorConfig = IndicatorConfig()) -> pd.DataFrame:
    ad = _actor_days(inp, complete_only=True)
    cols = ["actor_id", "day", "from_countries", "to_countries"]
    if ad.empty:
        return pd.DataFrame(columns=cols)
    series = ad.groupby(["actor_id", "day"])["ships_from"].apply(lambda s: tuple(sorted(set(s))))
    events = []
    for actor, by_day in series.groupby(level="actor_id"):
        seq = list(zip(by_day.index.get_level_values("day"), by_day.values))
        for i in range(1, len(seq)):
            before, after = set(seq[i - 1][1]), set(seq[i][1])
            if before & after:
                continue
            k = cfg.relocation_min_days
            held_after = seq[i:i + k]
            held_before = seq[max(0, i - k):i]
            if (len(held_after) == k and all(set(c) == after for _, c in held_after)
                    and len(held_before) == k and all(set(c) == before for _, c in held_before)):
                events.append({"actor_id": actor, "day": seq[i][0], "from_countries": ",".join(sorted(before)),
                               "to_countries": ",".join(sorted(after))})
    return pd.DataFrame(events, columns=cols)


def closures(inp: IndicatorInputs, cfg: IndicatorConfig = IndicatorConfig()) -> pd.DataFrame:
    rows = []
    for site, runs in inp.run_days.sort_values("day").groupby("site"):
        flags = list(zip(runs["day"], runs["partial"].astype(bool)))
        tail = 0
        for _, partial in reversed(flags):
            if not partial:
                break
            tail += 1
        had_complete = any(not p for _, p in flags)
        if tail >= cfg.closure_min_days and had_complete:
            rows.append({"site": site, "closed_on": flags[len(flags) - tail][0], "failed_days": tail})
    return pd.DataFrame(rows, columns=["site", "closed_on", "failed_days"])


def migrations(inp: IndicatorInputs, cfg: IndicatorConfig = IndicatorConfig()) -> pd.DataFrame:
    cols = ["from_site", "closed_on", "actor_id", "to_site", "handle", "first_seen", "days_after", "kind"]
    closed = closures(inp, cfg)
    if closed.empty:
        return pd.DataFrame(columns=cols)
    ld = inp.listing_days.merge(inp.actor_accounts, left_on=["site", "vendor"], right_on=["site", "handle"])
    first_seen = ld.groupby(["actor_id", "site", "handle"])["day"].min().reset_index()
    last_seen = ld.groupby(["actor_id", "site"])["day"].max()
    out = []
    for site, closed_on in zip(closed["site"], closed["closed_on"]):
        recent = last_seen[(last_seen.index.get_level_values("site") == site) &
                           (last_seen >= closed_on - timedelta(days=30))]
        actors = set(recent.index.get_level_values("actor_id"))
        others = first_seen[(first_seen["actor_id"].isin(actors)) & (first_seen["site"] != site)]
        for r in others.itertuples():
            after = (r.day - closed_on).days
            if after > cfg.migration_horizon_days:
                continue
            out.append({"from_site": site, "closed_on": closed_on, "actor_id": r.actor_id, "to_site": r.site,
                        "handle": r.handle, "first_seen": r.day, "days_after": after,
                        "kind": "migrated" if after >= 0 else "already_there"})
    return pd.DataFrame(out, columns=cols).sort_values(["from_site", "actor_id", "to_site"]).reset_index(drop=True)
