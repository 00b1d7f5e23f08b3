"""Linkage time, memory and quality at several world sizes, full and incremental.

    .venv/bin/python bench/bench_linkage.py --actors 1000 10000 [100000]

Records come from the mock world's truth (what a perfect crawl of a sample of days
stores), so the figures measure the linkage alone. Each size runs in a fresh process
so peak RSS is the linkage's. Incremental: the model links the last 10% of accounts
(by first-seen day) against the rest.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from itertools import combinations


def one(n_actors: int, seed: int) -> dict:
    from crawler.linkage.evaluate import pairwise_scores
    from crawler.linkage.features import to_rows
    from crawler.linkage.model import train_and_link
    from crawler.linkage.truth_records import records_from_world
    from mock_sites.world import World, WorldConfig

    world = World(WorldConfig(seed=seed, n_actors=n_actors))
    t0 = time.perf_counter()
    records, truth = records_from_world(world, days=[0, 30, 60, 89])
    t_records = time.perf_counter() - t0
    rows = to_rows(records)
    t0 = time.perf_counter()
    result = train_and_link(rows)
    t_full = time.perf_counter() - t0
    overall = pairwise_scores(result.clusters, truth)
    fps = {r.key: set(r.pgp_fingerprints) for r in records}
    groups: dict[str, list] = {}
    for k, a in truth.items():
        groups.setdefault(a, []).append(k)
    no_key = [(a, b) for m in groups.values() for a, b in combinations(sorted(m), 2) if not (fps[a] & fps[b])]
    nokey = pairwise_scores(result.clusters, truth, restrict_to=no_key)
    by_id = {a.actor_id: a for a in world.actors}
    merged = sum(1 for a in world.actors if a.kind == "impostor" and a.imitates and
                 {result.clusters.get(f"{s}:{h}") for s, h in a.accounts} - {None} &
                 {result.clusters.get(f"{s}:{h}") for s, h in by_id[a.imitates].accounts})
    # incremental: the newest 10% of accounts against the rest (same model code path, fewer new records)
    ordered = sorted(records, key=lambda r: (r.first_seen_day or 0, r.key))
    cut = int(len(ordered) * 0.9)
    t0 = time.perf_counter()
    base = train_and_link(to_rows(ordered[:cut]))
    t_base = time.perf_counter() - t0
    return {"actors": n_actors, "accounts": len(rows), "records_s": round(t_records, 1),
            "full_link_s": round(t_full, 1), "link_90pct_s": round(t_base, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "f1": round(overall.f1, 4), "precision": round(overall.precision, 4), "recall": round(overall.recall, 4),
            "nokey_precision": round(nokey.precision, 4), "nokey_recall": round(nokey.recall, 4),
            "impostors": sum(1 for a in world.actors if a.kind == "impostor"), "impostors_merged": merged}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--actors", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", type=int)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.seed)))
        return
    rows = []
    for n in args.actors:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--seed", str(args.seed)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            sys.exit(1)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
