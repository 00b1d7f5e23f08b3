"""Mock world generation: build time, peak RSS and one day view, at 1k / 10k / 100k actors.

Each size runs in its own subprocess so that its peak RSS (``resource.getrusage``) is its
own.  Usage: ``bash scripts/bench.sh world [--sizes 1000,10000,100000] [--day 45]``.
"build s per actor vs smallest" is the build time per actor over that of the smallest size of
the same run (1.00: the build time grows linearly with the actors).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import machine, table  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from mock_sites.world import World, WorldConfig
n, day = int(sys.argv[1]), int(sys.argv[2])
t0 = time.perf_counter()
world = World(WorldConfig(n_actors=n))
build = time.perf_counter() - t0
rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
view = world.day_view(day)
first = time.perf_counter() - t0
t0 = time.perf_counter()
world.day_view(day + 1)
following = time.perf_counter() - t0
print(json.dumps({"actors": n, "listings_over_period": world.n_listings, "build_s": build,
                  "rss_build_mb": rss_build / 1024, "view_s": first, "next_view_s": following,
                  "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "accounts": len(view.accounts), "listings": len(view.listings), "feedback": len(view.feedback)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--day", type=int, default=45)
    args = parser.parse_args()
    print(machine())
    rows, first = [], None
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(args.day)], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(json.dumps(r), flush=True)
        first = first or r
        # scaling against the smallest size of the same run: build time per actor, relative
        per_actor = (r["build_s"] / r["actors"]) / (first["build_s"] / first["actors"])
        rows.append([f"{r['actors']:,}", f"{r['listings_over_period']:,}", f"{r['build_s']:.1f}", f"{per_actor:.2f}",
                     f"{r['rss_build_mb']:.0f}", f"{r['view_s']:.2f}", f"{r['next_view_s']:.2f}",
                     f"{r['rss_peak_mb']:.0f}", f"{r['accounts']:,}", f"{r['listings']:,}", f"{r['feedback']:,}"])
    print()
    print(table(["actors", "listings over the period", "build s", "build s per actor vs smallest",
                 "RSS after build MB", f"day {args.day} view s", "next day view s", "peak RSS MB",
                 "accounts that day", "listings that day", "feedback that day"], rows))


if __name__ == "__main__":
    main()
