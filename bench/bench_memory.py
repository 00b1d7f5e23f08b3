"""Memory of a long crawl: the crawler's RSS sampled over the run, to show it stays flat.

    .venv/bin/python bench/bench_memory.py                     # 10000 actors: ~34k bazaar pages
    .venv/bin/python bench/bench_memory.py --actors 30000      # ~100k pages (about 5 minutes)
    .venv/bin/python bench/bench_memory.py --actors 2000 --csv /tmp/rss.csv

One Vigie run of the bazaar site (``crawler.run.run_target``: full pipeline, WARC, spool,
SQLite), politeness off (concurrency 16), the mock world served by a child process.  The
parent samples the crawler process's RSS (``/proc/<pid>/status``) and its page count (the
run's progress file) every ``--every`` seconds, and prints the RSS at 10 %, 25 %, 50 %,
75 % and 100 % of the pages, the peak (VmHWM) and the growth per 10k pages over the second
half of the run (what an accumulation would show).  The crawl's child processes (the spool
drainer, ``storage/drainer.py``) are sampled too and shown in a column of their own.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import machine, rss_mb, served_world, table, targets_file, warm

CHILD = r"""
import json, os, sys
sys.path.insert(0, {root!r})
os.environ["VIGIE_BUYER_KEY"] = "bench-buyer-key"
os.environ.setdefault("VIGIE_LOG_LEVEL", "WARNING")
from datetime import datetime
from crawler.run import run_target
from storage import Store
a = json.loads(sys.argv[1])
Store(a["db"]).upgrade()
print("ready", flush=True)
out = run_target("bazaar", a["targets"], a["db"], datetime.fromisoformat(a["observed_at"]), a["warc"],
                 spool_dir=a["spool"], progress_file=a["progress"], drain_wait=5.0)
print(json.dumps({{"status": out.status, "reason": out.reason, "pages": out.pages, "items": out.items}}), flush=True)
"""


def children_rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MiB of the child processes of ``pid``, summed."""
    cur = peak = 0.0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in kids:
            try:
                c, h = rss_mb(kid)
            except OSError:
                continue
            cur, peak = cur + c, peak + h
    return cur, peak


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actors", type=int, default=10_000)
    ap.add_argument("--day", type=int, default=5)
    ap.add_argument("--max-pages", type=int, default=100_000)
    ap.add_argument("--every", type=float, default=2.0, help="sampling interval, seconds")
    ap.add_argument("--csv", help="write every sample (seconds, pages, RSS MB) to this file")
    args = ap.parse_args(argv)
    from bench.bench_crawl import observed_at

    print(machine())
    tmp = Path(tempfile.mkdtemp(prefix="vigie-bench-memory-"))
    with served_world(args.actors, args.day, ("bazaar",)) as srv:
        warm(srv["urls"]["bazaar"])
        targets = targets_file(tmp / "targets.toml", srv["urls"], concurrency=16, max_pages=args.max_pages)
        a = {"targets": str(targets), "db": f"sqlite:///{tmp / 'vigie.db'}", "warc": str(tmp / "warc"),
             "spool": str(tmp / "spool"), "progress": str(tmp / "progress.json"),
             "observed_at": observed_at(args.day).isoformat()}
        proc = subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT)), json.dumps(a)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stdout.readline()                                   # "ready": imported, schema created
        t0 = time.perf_counter()
        samples: list[tuple[float, int, float, float]] = []      # (seconds, pages, RSS MB, drainer RSS MB)
        peak = child_peak = 0.0
        while proc.poll() is None:
            try:
                rss, hwm = rss_mb(proc.pid)
                child_rss, child_hwm = children_rss_mb(proc.pid)
                pages = json.loads(Path(a["progress"]).read_text()).get("pages", 0)
            except (OSError, ValueError):
                time.sleep(0.2)
                continue
            peak, child_peak = max(peak, hwm), max(child_peak, child_hwm)
            samples.append((time.perf_counter() - t0, pages, rss, child_rss))
            time.sleep(args.every)
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1) or not out.strip():
        raise SystemExit(f"crawl failed (rc={proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    total = result["pages"]
    print(f"world: {args.actors} actors, bazaar day {args.day}; run {result['status']}: {total} pages, "
          f"{result['items']} items in {wall:.0f} s ({total / wall:.0f} pages/s), {len(samples)} samples")
    if args.csv:
        Path(args.csv).write_text("seconds,pages,rss_mb,drainer_rss_mb\n" +
                                  "".join(f"{s:.1f},{p},{r:.1f},{c:.1f}\n" for s, p, r, c in samples))
    crawling = [s for s in samples if s[1] > 0]
    rows = []
    for share in (0.10, 0.25, 0.50, 0.75, 1.00):
        target = share * total
        s = min(crawling, key=lambda x: abs(x[1] - target)) if crawling else None
        if s:
            rows.append([f"{share:.0%}", s[1], f"{s[0]:.0f}", f"{s[2]:.0f}", f"{s[3]:.0f}"])
    print(table(["share of pages", "pages", "seconds", "RSS MB", "drainer RSS MB"], rows))
    if samples:
        print(f"RSS before the first page: {samples[0][2]:.0f} MB; peak (VmHWM): {peak:.0f} MB; "
              f"drainer peak (VmHWM): {child_peak:.0f} MB")
    half = [s for s in crawling if s[1] >= total / 2]
    if len(half) >= 3:
        n = len(half)
        mx, my = sum(s[1] for s in half) / n, sum(s[2] for s in half) / n
        var = sum((s[1] - mx) ** 2 for s in half)
        slope = sum((s[1] - mx) * (s[2] - my) for s in half) / var if var else 0.0
        print(f"growth over the second half (least squares): {slope * 10_000:+.1f} MB per 10k pages")


if __name__ == "__main__":
    main()
