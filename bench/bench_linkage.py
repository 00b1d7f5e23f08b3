"""Linkage time, peak memory and quality at several world sizes, full and incremental.

    .venv/bin/python bench/bench_linkage.py --actors 1000 10000 100000

Prints one JSON line per step, then a Markdown table (the one in docs/benchmarks.md).

Records come from the mock world's truth: what a perfect crawl of days 0, 30, 60 and 89
stores (``crawler.linkage.truth_records``), so the figures measure the linkage alone
(features, Splink training, scoring, clustering), not crawling nor the database writes.
Each step runs in a fresh process, so its peak RSS (``ru_maxrss``) is its own:
- ``world``: build the world and its account records (not linkage; reported apart);
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

DAYS = [0, 30, 60, 89]


def _machine() -> str:
    import os
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?") if Path("/proc/cpuinfo").exists() else "?"
    return f"{os.cpu_count()} CPUs ({cpu}), Python {sys.version.split()[0]}"


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
    # the clusters the incremental step starts from: a full link of the accounts seen before the last day
    base = [r for r in records if r.first_seen_day < DAYS[-1]]
    base_result = train_and_link(to_rows(base))
    with open(cache / "base.pkl", "wb") as fh:
        pickle.dump((base_result.clusters, base_result.model), fh)
    return out


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
           ("seconds", "time (s)"), ("peak_rss_mb", "peak RSS (MB)"), ("precision", "P"), ("recall", "R"),
           ("f1", "F1"), ("nokey_precision", "no-key P"), ("nokey_recall", "no-key R"),
           ("impostors_merged", "impostors merged")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--actors", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--step", choices=["world", "full", "incremental"], help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        n, cache = args.actors[0], Path(args.cache)
        out = {"world": lambda: step_world(n, args.seed, cache), "full": lambda: step_full(n, cache),
               "incremental": lambda: step_incremental(n, cache)}[args.step]()
        print(json.dumps(out))
        return
    rows, worlds = [], []
    for n in args.actors:
        with tempfile.TemporaryDirectory(prefix="vigie-bench-") as tmp:
            for step in ("world", "full", "incremental"):
                out = subprocess.run([sys.executable, __file__, "--step", step, "--actors", str(n),
                                      "--seed", str(args.seed), "--cache", tmp], capture_output=True, text=True,
                                     check=False)
                if out.returncode != 0:
                    print(out.stderr[-3000:], file=sys.stderr)
                    sys.exit(1)
                row = json.loads(out.stdout.strip().splitlines()[-1])
                print(json.dumps(row), flush=True)
                (worlds if step == "world" else rows).append(row)
    print()
    print("| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c, _ in COLUMNS) + " |")
    print()
    print(f"Machine: {_machine()}.")
    print("Not linkage (world + records, for reference): " + "; ".join(
        f"{w['actors']} actors: {w['seconds']} s, {w['peak_rss_mb']} MB" for w in worlds))


if __name__ == "__main__":
    main()
