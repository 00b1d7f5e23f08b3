"""Crawl throughput: Vigie's full pipeline vs a plain Scrapy spider fetching the same pages.

    .venv/bin/python bench/bench_crawl.py                  # 4000 actors (~10k bazaar listings), 3 runs each side
    .venv/bin/python bench/bench_crawl.py --actors 800 --runs 2        # quick look
    .venv/bin/python bench/bench_crawl.py --profile /tmp/prof          # + one py-spy-profiled run per side

The mock world is served in a child process (``bench/_common.py serve``), the bazaar site
(server-rendered) on one day.  Each crawl runs in its own process, politeness off
(``--concurrency`` requests in flight, no delay):

- ``vigie``: ``crawler.run.run_target`` as ``vigie crawl`` runs it — scope check,
  robots.txt, Retry-After, parse (spiders/bazaar.py), normalise + validate, WARC archive
  with SHA-256, spool (fsync), store to SQLite (a fresh file per run), run outcome and
  monitors.  Timed from the call to its return.
- ``scrapy``: a plain ``scrapy.Spider`` given the URL list that a first (untimed) Vigie
  run fetched, Scrapy's default settings and components (no Vigie middleware, no
  pipeline, no parsing), same concurrency and reactor.  Timed from ``process.crawl`` to
  the end of ``process.start``.
- ``spider``: Scrapy running Vigie's own bazaar spider (parse + raw items, same pages
  followed) with none of Vigie's components (no scope check, robots.txt, WARC, pipeline):
  what any Scrapy crawler that reads these pages pays.  Splits Vigie's cost into parsing
  and Vigie's own components.

The order of the sides rotates from run to run and the table gives medians.  Besides
pages/s (wall clock) it prints the crawler process's CPU time per page and the mock
server's CPU time per page: on a 2-core machine shared by the crawler and the server, the
wall-clock ratio is bounded by the server; the CPU ratio is the crawler's own cost.
Before the crawls, ``wrk`` (Debian package ``wrk``) measures the server alone on the same
URL mix, so one can see whether the server limits the plain spider.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (
    BUYER_KEY,
    cpu_seconds,
    machine,
    med,
    served_world,
    spread,
    table,
    targets_file,
    warm,
)

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
CLOCK_EXT = {"bench._common.CrawlClock": 0}


def observed_at(day: int) -> datetime:
    from mock_sites.world.config import WorldConfig
    start = WorldConfig().start_date
    return datetime(start.year, start.month, start.day, 12, tzinfo=UTC) + timedelta(days=day)


# ------------------------------------------------------------------ children
def _preimport(*modules: str) -> None:
    """Import before the clock starts (both sides): the timings are of crawling, not of
    compiling modules (this environment may set PYTHONDONTWRITEBYTECODE)."""
    import importlib
    for m in modules:
        importlib.import_module(m)


def child_vigie(args: dict) -> dict:
    os.environ["VIGIE_BUYER_KEY"] = BUYER_KEY
    os.environ.setdefault("VIGIE_LOG_LEVEL", "WARNING")
    from crawler.run import run_target
    from storage import Store
    _preimport("scrapy.crawler", "scrapy.core.engine", "scrapy.core.scraper", "scrapy.core.downloader.handlers.http11",
               "spiders.bazaar", "crawler.pipeline", "crawler.warc", "crawler.middlewares", "crawler.retry_after",
               "crawler.normalise", "storage.spool", "crawler.monitoring.monitor")
    store = Store(args["db"])
    store.upgrade()
    store.dispose()
    extra = {"EXTENSIONS": CLOCK_EXT}
    if args.get("urls_out"):
        extra["BENCH_URLS_OUT"] = args["urls_out"]
    if args.get("concurrency"):
        extra.update(CONCURRENT_REQUESTS=args["concurrency"], CONCURRENT_REQUESTS_PER_DOMAIN=args["concurrency"])
    if args.get("delay") is not None:
        extra["DOWNLOAD_DELAY"] = args["delay"]
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    out = run_target(args["key"], args["targets"], args["db"], datetime.fromisoformat(args["observed_at"]),
                     args["warc"], spool_dir=args["spool"], drain_wait=5.0, settings=extra)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)       # the spool drainer (storage/drainer.py)
    from bench._common import LAST_CLOCK
    return {"status": out.status, "reason": out.reason, "pages": out.pages, "items": out.items,
            "quarantined": out.quarantined, "wall_s": wall,
            "cpu_s": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
            "helper_cpu_s": (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime), **LAST_CLOCK}


def loopback_only(urls) -> None:
    """The baselines run without Vigie's scope check: they fetch only the mock world served
    on this machine's loopback, and refuse anything else."""
    from urllib.parse import urlsplit
    off = [u for u in urls if urlsplit(u).hostname not in ("127.0.0.1", "localhost", "::1")]
    if off:
        raise SystemExit(f"benchmark baselines fetch only the mock world on loopback, not {off[:3]}")


def child_scrapy(args: dict) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess
    _preimport("scrapy.core.engine", "scrapy.core.scraper", "scrapy.core.downloader.handlers.http11")

    urls = [u for u in Path(args["urls"]).read_text().split() if u]
    if args.get("base"):           # the same pages on another server (--latency)
        urls = [args["base"] + u[len(args["urls_base"]):] if u.startswith(args["urls_base"]) else u for u in urls]
    loopback_only(urls)

    class FetchOnly(scrapy.Spider):
        name = "fetch_only"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, callback=self.parse)

        def parse(self, response):
            return None

    c = args["concurrency"]
    settings = {"TWISTED_REACTOR": REACTOR, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False,
                "CONCURRENT_REQUESTS": c, "CONCURRENT_REQUESTS_PER_DOMAIN": c, "DOWNLOAD_DELAY": args.get("delay") or 0,
                "ROBOTSTXT_OBEY": False, "USER_AGENT": "Vigie benchmark (plain Scrapy)", "EXTENSIONS": CLOCK_EXT}
    if not args.get("scrapy_defaults"):        # the engine settings Vigie runs with (crawler.settings.BASE)
        from crawler.settings import BASE
        settings["CONCURRENT_ITEMS"] = BASE.get("CONCURRENT_ITEMS", 100)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FetchOnly)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    process.crawl(crawler)
    process.start()
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    stats = crawler.stats.get_stats()
    from bench._common import LAST_CLOCK
    return {"status": "complete" if stats.get("finish_reason") == "finished" else str(stats.get("finish_reason")),
            "pages": stats.get("response_received_count", 0), "items": 0, "wall_s": wall,
            "cpu_s": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), **LAST_CLOCK}


def child_spider(args: dict) -> dict:
    """Scrapy running Vigie's bazaar spider (parse + raw items) with none of Vigie's
    components: no scope check, no robots.txt, no WARC, no pipeline (items are dropped)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.targets import load_targets
    from spiders.bazaar import BazaarSpider
    _preimport("scrapy.core.engine", "scrapy.core.scraper", "scrapy.core.downloader.handlers.http11")
    c = args["concurrency"]
    settings = {"TWISTED_REACTOR": REACTOR, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False,
                "CONCURRENT_REQUESTS": c, "CONCURRENT_REQUESTS_PER_DOMAIN": c, "DOWNLOAD_DELAY": args.get("delay") or 0,
                "ROBOTSTXT_OBEY": False, "USER_AGENT": "Vigie benchmark (spider only)", "EXTENSIONS": CLOCK_EXT}
    if not args.get("scrapy_defaults"):
        from crawler.settings import BASE
        settings["CONCURRENT_ITEMS"] = BASE.get("CONCURRENT_ITEMS", 100)
    target = load_targets(args["targets"]).get("bazaar")
    loopback_only(target.base_urls)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BazaarSpider)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    process.crawl(crawler, target=target, observed_at=datetime.fromisoformat(args["observed_at"]))
    process.start()
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    stats = crawler.stats.get_stats()
    from bench._common import LAST_CLOCK
    return {"status": "complete" if stats.get("finish_reason") == "finished" else str(stats.get("finish_reason")),
            "pages": stats.get("response_received_count", 0), "items": stats.get("item_scraped_count", 0),
            "wall_s": wall, "cpu_s": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), **LAST_CLOCK}


def run_child(kind: str, args: dict, server_pid: int, profile: str | None = None) -> dict:
    """Run one crawl in a fresh process; adds the server's CPU seconds over it."""
    res_file = Path(tempfile.mktemp(prefix=f"bench-{kind}-", suffix=".json"))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(args), str(res_file)]
    s0 = cpu_seconds(server_pid)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    spy = None
    if profile:
        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(proc.pid),
                                "-f", "raw", "-o", profile, "-r", "100", "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, err = proc.communicate()
    if spy:
        spy.wait(60)
    s1 = cpu_seconds(server_pid)
    if proc.returncode != 0 or not res_file.exists():
        raise RuntimeError(f"{kind} child failed (rc={proc.returncode}):\n{err[-3000:]}")
    out = json.loads(res_file.read_text())
    res_file.unlink()
    out["server_cpu_s"] = s1 - s0
    return out


# ------------------------------------------------------------------ wrk on the server alone
WRK_LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = (i %% #paths) + 1
  return wrk.format("GET", paths[i])
end
"""


def wrk_server(base: str, urls: list[str], server_pid: int, seconds: int, concurrency: int,
               tmp: Path) -> dict | None:
    if not shutil.which("wrk"):
        return None
    paths = tmp / "paths.txt"
    paths.write_text("\n".join(u[len(base):] or "/" for u in urls if u.startswith(base)) + "\n")
    script = tmp / "mix.lua"
    script.write_text(WRK_LUA % paths)
    s0 = cpu_seconds(server_pid)
    out = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script), base],
                         capture_output=True, text=True).stdout
    s1 = cpu_seconds(server_pid)
    rps = next((float(l.split()[1]) for l in out.splitlines() if l.startswith("Requests/sec")), None)
    reqs = next((int(l.split()[0]) for l in out.splitlines() if "requests in" in l), None)
    return {"rps": rps, "requests": reqs, "server_cpu_ms": 1000 * (s1 - s0) / reqs if reqs else None}


# ------------------------------------------------------------------ profile summary
OWN = ("crawler/", "spiders/", "storage/")
#: (component, substring of a frame); a sample goes to the first component found in its stack
CATEGORIES = [
    ("imports", "_find_and_load"),
    ("spider callbacks (parse: spiders/bazaar.py)", "spiders/bazaar.py"),
    ("pipeline: normalise + validate", "normalise_item"),
    ("pipeline: spool + store (SQLite)", "StorePipeline.flush"),
    ("pipeline: other", "StorePipeline"),
    ("end of run: last drain to the database", "_drain ("),
    ("end of run: monitors", "run_monitors"),
    ("WARC archive", "crawler/warc.py"),
    ("scope check", "ScopeMiddleware"),
    ("Retry-After", "RetryAfterMiddleware"),
    ("lost-page accounting", "LostPages"),
    ("robots.txt", "RobotsTxtMiddleware"),
    ("Scrapy: outputs of callbacks (items, requests)", "handle_spider_output_async"),
    ("Scrapy: callback dispatch (spider middlewares)", "scrapy/core/spidermw.py"),
    ("Scrapy: downloader + HTTP client", "scrapy/core/downloader"),
    ("Scrapy: engine + scheduler", "scrapy/core/engine"),
    ("Twisted / asyncio event loop, other", ""),
]


TIMED_ROOTS = ("run_target (", "CrawlerProcess.start (", "CrawlerRunner.crawl (")


def timed(stack: str) -> bool:
    """A sample of the timed part of a child (not its imports before the clock starts);
    stacks without the child's root are the crawl's coroutines and generators."""
    return any(r in stack for r in TIMED_ROOTS) or "child_" not in stack


def samples(path: str):
    """(stack, count) of the timed samples of a raw py-spy file.  A frame name holding a
    newline (code compiled from a string) splits a stack over lines: they are joined."""
    pending = ""
    for line in Path(path).read_text().splitlines():
        pending += line
        stack, _, n = pending.rpartition(" ")
        if not n.isdigit():
            continue
        pending = ""
        if timed(stack):
            yield stack, int(n)


def categories(path: str) -> dict[str, float]:
    """Share of the samples of a raw py-spy file per component of ``CATEGORIES``."""
    from collections import Counter
    c = Counter()
    for stack, n in samples(path):
        c[next(name for name, pat in CATEGORIES if pat in stack)] += n
    total = sum(c.values())
    return {k: v / total for k, v in c.items()} if total else {}


def summarise_profile(path: str, top: int = 25) -> str:
    """Self and inclusive shares of the sampled stacks, Vigie's own frames first."""
    from collections import Counter
    self_c, incl, own_self, total = Counter(), Counter(), Counter(), 0
    for stack, n in samples(path):
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        self_c[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
        own = next((f for f in reversed(frames) if any(o in f for o in OWN) and "/.venv/" not in f), None)
        if own:
            own_self[own] += n
    lines = [f"{total} samples", "self time (top):"]
    lines += [f"  {n / total:6.1%}  {f}" for f, n in self_c.most_common(top)]
    lines.append("inclusive time of Vigie's own frames (crawler/, spiders/, storage/):")
    lines += [f"  {n / total:6.1%}  {f}" for f, n in incl.most_common() if any(o in f for o in OWN)][:top]
    lines.append("time below the innermost Vigie frame, by frame:")
    lines += [f"  {n / total:6.1%}  {f}" for f, n in own_self.most_common(top)]
    return "\n".join(lines)


# ------------------------------------------------------------------ one comparison
SIDES = {"scrapy": "plain Scrapy (fetch only)", "spider": "Scrapy + Vigie's spider only (parse)",
         "vigie": "Vigie full pipeline"}


def compare(runs: int, vigie_args, scrapy_args: dict, server_pid: int, label: str = "",
            spider_args: dict | None = None) -> dict[str, list[dict]]:
    """``runs`` timed runs per side, the order rotating from run to run (scrapy, vigie, ...;
    vigie, ..., scrapy).  With ``spider_args``, a third side: Vigie's spider alone."""
    kinds = ["scrapy", "vigie"] + (["spider"] if spider_args else [])
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    for i in range(runs):
        order = kinds[i % len(kinds):] + kinds[:i % len(kinds)]
        if len(kinds) == 2 and i % 2:
            order = order[::-1]
        for kind in order:
            a = vigie_args(i) if kind == "vigie" else spider_args if kind == "spider" else scrapy_args
            r = run_child(kind, a, server_pid)
            results[kind].append(r)
            helper = f", drainer CPU {1000 * r['helper_cpu_s'] / r['pages']:.2f} ms/page" if "helper_cpu_s" in r else ""
            print(f"  {label}run {i + 1} {kind:>6}: {r['pages']} pages in {r['wall_s']:.1f} s = "
                  f"{r['pages'] / r['wall_s']:.0f} pages/s, crawler CPU {1000 * r['cpu_s'] / r['pages']:.2f} ms/page"
                  f"{helper}, server CPU {1000 * r['server_cpu_s'] / r['pages']:.2f} ms/page, {r['status']}", flush=True)
    return results


def report(results: dict[str, list[dict]]) -> dict[str, dict]:
    """Print the table of one comparison and its ratios; returns the medians."""
    rows, summary = [], {}
    for kind, label in SIDES.items():
        rs = results.get(kind)
        if not rs:
            continue
        pps = [r["pages"] / r["wall_s"] for r in rs]
        crawl_pps = [r["pages"] / r["crawl_s"] for r in rs if r.get("crawl_s")]
        cpu = [1000 * r["cpu_s"] / r["pages"] for r in rs]
        scpu = [1000 * r["server_cpu_s"] / r["pages"] for r in rs]
        hcpu = [1000 * r["helper_cpu_s"] / r["pages"] for r in rs if "helper_cpu_s" in r]
        summary[kind] = {"pps": med(pps), "cpu": med(cpu)}
        rows.append([label, len(rs), int(med([r["pages"] for r in rs])), f"{med(pps):.0f}", spread(pps),
                     f"{med(crawl_pps):.0f}", f"{med(cpu):.2f}", spread(cpu), f"{med(hcpu):.2f}" if hcpu else "-",
                     f"{med(scpu):.2f}"])
    print(table(["side", "runs", "pages", "pages/s (median)", "range", "pages/s crawl only", "crawler CPU ms/page",
                 "CPU range", "drainer CPU ms/page", "server CPU ms/page"], rows))
    ratio = summary["vigie"]["pps"] / summary["scrapy"]["pps"]
    cpu_ratio = summary["scrapy"]["cpu"] / summary["vigie"]["cpu"]
    print(f"ratio Vigie / plain Scrapy, pages/s (wall clock): {ratio:.2f}   (goal >= 0.80)")
    print(f"ratio by crawler CPU per page (plain / Vigie):     {cpu_ratio:.2f}   "
          f"(throughput ratio when the crawler's CPU is the limit)")
    if "spider" in summary:
        sp = summary["spider"]
        print(f"ratio spider only / plain Scrapy, pages/s:         {sp['pps'] / summary['scrapy']['pps']:.2f}   "
              f"(parsing alone; CPU {summary['scrapy']['cpu'] / sp['cpu']:.2f})")
        print(f"ratio Vigie / spider only, pages/s:                {summary['vigie']['pps'] / sp['pps']:.2f}   "
              f"(Vigie's own components: scope, robots, WARC, normalise, spool, store; CPU "
              f"{sp['cpu'] / summary['vigie']['cpu']:.2f})")
    return summary


# ------------------------------------------------------------------ main
def main(argv=None) -> None:
    from crawler.targets import Politeness
    polite = Politeness()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actors", type=int, default=4000, help="world size (4000 gives ~10k bazaar listings)")
    ap.add_argument("--day", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per side")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--profile", metavar="DIR", help="also profile one run of each side with py-spy (pip install "
                                                   "py-spy), raw stacks in DIR/{scrapy,vigie}.txt")
    ap.add_argument("--scrapy-defaults", action="store_true",
                    help="plain spider with Scrapy's default CONCURRENT_ITEMS (100) instead of Vigie's")
    ap.add_argument("--polite", action="store_true",
                    help=f"also compare with politeness on: Vigie's defaults (crawler/targets.py: "
                         f"{polite.concurrency} requests in flight, delay {polite.delay} s), same for both sides")
    ap.add_argument("--latency", type=float, default=0.0, metavar="MS",
                    help="also compare, politeness on, against a server that answers every page MS ms late")
    ap.add_argument("--extra-runs", type=int, default=2, help="timed runs per side of --polite and --latency")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)

    print(machine())
    tmp = Path(tempfile.mkdtemp(prefix="vigie-bench-crawl-"))
    when = observed_at(args.day).isoformat()

    def vigie_args_for(targets: Path, tag: str, concurrency=None, delay=None):
        def make(n, urls_out=None):
            d = tmp / f"vigie-{tag}{n}"
            d.mkdir()
            return {"key": "bazaar", "targets": str(targets), "db": f"sqlite:///{d / 'vigie.db'}",
                    "warc": str(d / "warc"), "spool": str(d / "spool"), "observed_at": when,
                    "urls_out": urls_out, "concurrency": concurrency, "delay": delay}
        return make

    extra: list[tuple[str, dict]] = []
    with served_world(args.actors, args.day, ("bazaar",)) as srv:
        base = srv["urls"]["bazaar"]
        warm(base)
        targets = targets_file(tmp / "targets.toml", srv["urls"], concurrency=args.concurrency)
        vigie_args = vigie_args_for(targets, "")

        urls_file = tmp / "urls.txt"
        t0 = time.perf_counter()
        first = run_child("vigie", vigie_args("warmup", str(urls_file)), srv["pid"])
        urls = urls_file.read_text().split()
        print(f"world: {args.actors} actors, bazaar day {args.day}; warm-up Vigie run: {first['pages']} pages, "
              f"{first['items']} items, status {first['status']} ({time.perf_counter() - t0:.0f} s)", flush=True)
        if first["status"] != "complete":
            print(f"  warning: warm-up run {first['status']}: {first.get('reason')}")

        server = wrk_server(base, urls, srv["pid"], args.wrk_seconds, args.concurrency, tmp)
        if server:
            print(f"server alone (wrk -t1 -c{args.concurrency} -d{args.wrk_seconds}s, same URL mix): "
                  f"{server['rps']:.0f} req/s, server CPU {server['server_cpu_ms']:.2f} ms/request", flush=True)
        else:
            print("server alone: wrk not installed (apt-get install -y wrk)")

        scrapy_args = {"urls": str(urls_file), "concurrency": args.concurrency, "scrapy_defaults": args.scrapy_defaults}
        spider_args = {"targets": str(targets), "observed_at": when, "concurrency": args.concurrency,
                       "scrapy_defaults": args.scrapy_defaults}
        results = compare(args.runs, vigie_args, scrapy_args, srv["pid"], spider_args=spider_args)
        profiles = {}
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            for kind in SIDES:
                path = str(Path(args.profile) / f"{kind}.txt")
                a = vigie_args("profile") if kind == "vigie" else spider_args if kind == "spider" else scrapy_args
                r = run_child(kind, a, srv["pid"], profile=path)
                profiles[kind] = (path, 1000 * r["cpu_s"] / r["pages"])
        if args.polite:
            label = f"politeness on ({polite.concurrency} in flight, delay {polite.delay} s), loopback"
            print(f"\n{label}:", flush=True)
            extra.append((label, compare(
                args.extra_runs, vigie_args_for(targets, "polite", polite.concurrency, polite.delay),
                {**scrapy_args, "concurrency": polite.concurrency, "delay": polite.delay}, srv["pid"], "polite ")))

    if args.latency:
        with served_world(args.actors, args.day, ("bazaar",), latency=args.latency / 1000) as slow:
            slow_base = slow["urls"]["bazaar"]
            warm(slow_base)
            slow_targets = targets_file(tmp / "targets-slow.toml", slow["urls"], concurrency=polite.concurrency)
            label = (f"politeness on ({polite.concurrency} in flight, delay {polite.delay} s), "
                     f"server answers {args.latency:.0f} ms late")
            print(f"\n{label}:", flush=True)
            extra.append((label, compare(
                args.extra_runs, vigie_args_for(slow_targets, "slow", polite.concurrency, polite.delay),
                {**scrapy_args, "concurrency": polite.concurrency, "delay": polite.delay, "base": slow_base,
                 "urls_base": base}, slow["pid"], "latency ")))

    print()
    report(results)
    if server:
        print(f"server alone: {server['rps']:.0f} req/s")
    for label, res in extra:
        print(f"\n{label}:")
        report(res)
    if profiles:
        print("\nwhere the crawler's CPU goes, ms/page (py-spy share of samples x the run's CPU ms/page):")
        shares = {kind: categories(path) for kind, (path, _) in profiles.items()}
        rows = []
        for name, _ in CATEGORIES:
            a, b, c = (shares[k].get(name, 0) * profiles[k][1] for k in ("scrapy", "spider", "vigie"))
            if max(a, b, c) >= 0.005:
                rows.append([name, f"{a:.2f}", f"{b:.2f}", f"{c:.2f}", f"{c - b:+.2f}"])
        totals = [profiles[k][1] for k in ("scrapy", "spider", "vigie")]
        rows.append(["total", *(f"{t:.2f}" for t in totals), f"{totals[2] - totals[1]:+.2f}"])
        print(table(["component", "plain Scrapy", "spider only", "Vigie", "Vigie - spider only"], rows))
        print(f"\nVigie's hottest frames ({profiles['vigie'][0]}):")
        print(summarise_profile(profiles["vigie"][0], top=15))
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, payload, result = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
        res = {"vigie": child_vigie, "scrapy": child_scrapy, "spider": child_spider}[kind](payload)
        Path(result).write_text(json.dumps(res))
    else:
        main()
