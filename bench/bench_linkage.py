"""Linkage time, peak memory and quality at several world sizes, full and incremental.

    .venv/bin/python bench/bench_linkage.py --actors 1000 10000 100000
    .venv/bin/python bench/bench_linkage.py --actors 1000 10000 --runs 3     # medians of 3

Prints one JSON line per step, then a Markdown table (the one in docs/benchmarks.md).

Records come from the mock world's truth: what a perfect crawl of days 0, 30, 60 and 89
stores (``crawler.linkage.truth_records``), so the figures measure the linkage alone
(features, Splink training, scoring, clustering), not crawling nor the database writes.
Each step runs in a fresh process, so its peak RSS (``ru_maxrss``) is its own; ``--runs N``
repeats the timed steps (full, incremental) N times and prints medians and ranges:
- ``world``: build the world and its account records (not linkage; reported apart);
- ``base``: a full link of the accounts seen before the last day (not timed), the
  clusters and model the incremental step starts from;
- ``full``: ``train_and_link`` on every account (what ``vigie link`` runs);
- ``incremental``: the accounts first seen on the last day are new; the others keep the
  clusters of a full link of themselves (made beforehand, not timed), and the new ones are
  placed as ``vigie link --incremental`` does: scored with the model that full link trained
  (``train_and_link(new_ids=..., model=...)``), then ``incremental_clusters``.
Quality: pairwise precision / recall / F1 against the truth, overall and on true alias
pairs that share no PGP key, and impostors merged with the actor they imitate.
"""
from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import machine, med, spread  # noqa: E402

DAYS = [0, 30, 60, 89]


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def step_world(n_actors: int, seed: int, cache: Path) -> dict:
    from crawler.linkage.truth_records import records_from_world
    from mock_sites.world import World, WorldConfig
    t0 = time.perf_counter()
    world = World(WorldConfig(seed=seed, n_actors=n_actors))
    records, truth = records_from_world(world, days=DAYS)
    actors = [_Actor(a.actor_id, a.kind, a.imitates, tuple(a.accounts)) for a in world.actors]
    with open(cache / "records.pkl", "wb") as fh:
        pickle.dump((records, truth, actors), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"step": "world", "actors": n_actors, "accounts": len(records),
            "seconds": round(time.perf_counter() - t0, 1), "peak_rss_mb": _peak_mb()}


class _Actor:
    """What the evaluation needs of a world actor (picklable without the world)."""
    def __init__(self, actor_id, kind, imitates, accounts):
        self.actor_id, self.kind, self.imitates, self.accounts = actor_id, kind, imitates, accounts


def _load(cache: Path):
    with open(cache / "records.pkl", "rb") as fh:
        return pickle.load(fh)


def _scores(clusters, records, truth, actors) -> dict:
    from crawler.linkage.evaluate import score_linkage
    s = score_linkage(clusters, truth, {r.key: set(r.pgp_fingerprints) for r in records}, actors)
    o, k = s["overall"], s["no_shared_pgp_key"]
    return {"precision": o["precision"], "recall": o["recall"], "f1": o["f1"],
            "nokey_precision": k["precision"], "nokey_recall": k["recall"],
            "impostors": s["impostors"], "impostors_merged": s["impostors_merged"]}


def step_full(n_actors: int, cache: Path) -> dict:
    from crawler.linkage.features import to_rows
    from crawler.linkage.model import train_and_link
    records, truth, actors = _load(cache)
    t0 = time.perf_counter()
    result = train_and_link(to_rows(records))
    seconds = time.perf_counter() - t0
    out = {"step": "full", "actors": n_actors, "accounts": len(records), "new": len(records),
           "seconds": round(seconds, 1), "peak_rss_mb": _peak_mb(), **_scores(result.clusters, records, truth, actors)}
    return out


def step_base(n_actors: int, cache: Path) -> dict:
    """The clusters the incremental step starts from: a full link of the accounts seen
    before the last day (not timed)."""
    from crawler.linkage.features import to_rows
    from crawler.linkage.model import train_and_link
    records, _truth, _actors = _load(cache)
    base = [r for r in records if r.first_seen_day < DAYS[-1]]
    base_result = train_and_link(to_rows(base))
    with open(cache / "base.pkl", "wb") as fh:
        pickle.dump((base_result.clusters, base_result.model), fh)
    return {"step": "base", "actors": n_actors, "accounts": len(base)}


def step_incremental(n_actors: int, cache: Path) -> dict:
    from crawler.linkage.features import to_rows
    from crawler.linkage.model import DEFAULT_THRESHOLD, train_and_link
    from crawler.linkage.service import incremental_clusters
    records, truth, actors = _load(cache)
    with open(cache / "base.pkl", "rb") as fh:
        previous, model = pickle.load(fh)
    new_ids = {r.key for r in records} - set(previous)
    t0 = time.perf_counter()
    result = train_and_link(to_rows(records), new_ids=new_ids, model=model)
    clusters = incremental_clusters(result, previous, DEFAULT_THRESHOLD)
    seconds = time.perf_counter() - t0
    return {"step": "incremental", "actors": n_actors, "accounts": len(records), "new": len(new_ids),
            "seconds": round(seconds, 1), "peak_rss_mb": _peak_mb(), **_scores(clusters, records, truth, actors)}


COLUMNS = [("actors", "actors"), ("accounts", "accounts"), ("step", "linkage"), ("new", "new accounts"),
           ("seconds", "time (s, median)"), ("peak_rss_mb", "peak RSS (MB)"), ("precision", "P"), ("recall", "R"),
           ("f1", "F1"), ("nokey_precision", "no-key P"), ("nokey_recall", "no-key R"),
           ("impostors_merged", "impostors merged")]


def _step(step: str, n: int, seed: int, cache: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--step", step, "--actors", str(n), "--seed", str(seed),
                          "--cache", cache], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        sys.exit(1)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(row), flush=True)
    return row


def _summary(runs: list[dict]) -> dict:
    """Medians of time and peak RSS over the runs; quality from the first run (and whether
    every run gave the same)."""
    first = dict(runs[0])
    secs, rss = [r["seconds"] for r in runs], [r["peak_rss_mb"] for r in runs]
    first.update(runs=len(runs), seconds=round(med(secs), 1), seconds_range=spread(secs) if len(runs) > 1 else "-",
                 peak_rss_mb=round(med(rss)))
    if any(r["f1"] != first["f1"] for r in runs):
        first["f1"] = f"{first['f1']} (varies: {min(r['f1'] for r in runs)}–{max(r['f1'] for r in runs)})"
    return first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--actors", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=1, help="timed runs of each linkage step (medians)")
    ap.add_argument("--step", choices=["world", "base", "full", "incremental"], help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        n, cache = args.actors[0], Path(args.cache)
        out = {"world": lambda: step_world(n, args.seed, cache), "base": lambda: step_base(n, cache),
               "full": lambda: step_full(n, cache), "incremental": lambda: step_incremental(n, cache)}[args.step]()
        print(json.dumps(out))
        return
    print(machine())
    rows, worlds = [], []
    for n in args.actors:
        with tempfile.TemporaryDirectory(prefix="vigie-bench-") as tmp:
            worlds.append(_step("world", n, args.seed, tmp))
            _step("base", n, args.seed, tmp)
            for step in ("full", "incremental"):
                rows.append(_summary([_step(step, n, args.seed, tmp) for _ in range(args.runs)]))
    columns = COLUMNS[:5] + [("runs", "runs"), ("seconds_range", "range")] + COLUMNS[5:]
    print()
    print("| " + " | ".join(title for _, title in columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c, _ in columns) + " |")
    print()
    print("Not linkage (world + records, for reference): " + "; ".join(
        f"{w['actors']} actors: {w['seconds']} s, {w['peak_rss_mb']} MB" for w in worlds))


if __name__ == "__main__":
    main()
