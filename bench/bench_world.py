"""Mock world generation: build time, peak RSS and one day view, at 1k / 10k / 100k actors.

Each size runs in its own subprocess so that its peak RSS (``resource.getrusage``) is its
own.  Usage: ``.venv/bin/python bench/bench_world.py [--sizes 1000,10000,100000] [--day 45]``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

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
    root = Path(__file__).resolve().parent.parent
    print(f"{'actors':>8} {'listings(period)':>16} {'build s':>8} {'RSS build MB':>12} {'day view s':>10} "
          f"{'next day s':>10} {'peak RSS MB':>11} {'accounts':>9} {'listings':>9} {'feedback':>9}")
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(args.day)], cwd=root, check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{r['actors']:>8} {r['listings_over_period']:>16} {r['build_s']:>8.2f} {r['rss_build_mb']:>12.0f} "
              f"{r['view_s']:>10.2f} {r['next_view_s']:>10.2f} {r['rss_peak_mb']:>11.0f} {r['accounts']:>9} "
              f"{r['listings']:>9} {r['feedback']:>9}", flush=True)


if __name__ == "__main__":
    main()
