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

import numpy as np
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
    """For each crawled day D, over the calendar window [D - window + 1, D]: actors seen,
    actors shipping from more than one country, those among them shipping from BE, and
    from both NL and BE.  Computed on a (actor, country) x calendar-day presence matrix
    whose cumulative sum gives every window at once."""
    cols = ["day", "window_days", "actors", "multi_origin", "be_multi_origin", "nl_be", "nl_be_share"]
    ad = _actor_days(inp)
    days = sorted(inp.run_days["day"].unique())
    if ad.empty or not days:
        return pd.DataFrame(columns=cols)
    pairs = ad[["actor_id", "ships_from", "day"]].drop_duplicates()
    first = min(days[0], pairs["day"].min())
    span = (max(days[-1], pairs["day"].max()) - first).days + 1
    pair_codes, pair_index = pd.factorize(pd.MultiIndex.from_frame(pairs[["actor_id", "ships_from"]]))
    present = np.zeros((len(pair_index), span + 1), dtype=np.int32)      # column 0: before the first day
    present[pair_codes, np.array([(d - first).days for d in pairs["day"]]) + 1] = 1
    seen_by = present.cumsum(axis=1)
    actor_codes, _ = pd.factorize(pair_index.get_level_values(0))
    country = pair_index.get_level_values(1)
    is_be, is_nl = np.asarray(country == "BE"), np.asarray(country == "NL")
    n_actors = actor_codes.max() + 1
    w = cfg.multi_origin_window_days
    rows = []
    for day in days:
        end = (day - first).days + 1
        in_window = (seen_by[:, end] - seen_by[:, max(0, end - w)]) > 0
        n_countries = np.bincount(actor_codes[in_window], minlength=n_actors)
        has_be = np.bincount(actor_codes[in_window & is_be], minlength=n_actors) > 0
        has_nl = np.bincount(actor_codes[in_window & is_nl], minlength=n_actors) > 0
        multi = n_countries > 1
        be_multi = int((multi & has_be).sum())
        nl_be = int((multi & has_be & has_nl).sum())
        rows.append({"day": day, "window_days": w, "actors": int((n_countries > 0).sum()),
                     "multi_origin": int(multi.sum()), "be_multi_origin": be_multi, "nl_be": nl_be,
                     "nl_be_share": round(nl_be / be_multi, 4) if be_multi else None})
    return pd.DataFrame(rows, columns=cols)


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
