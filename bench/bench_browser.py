"""Browser-rendered pages: the JS market (nocturne) through Playwright, by browser contexts.

    .venv/bin/python bench/bench_browser.py                      # 4000 actors (~84 market pages), 3 runs each
    .venv/bin/python bench/bench_browser.py --actors 800 --runs 1 --contexts 1,2

The mock world is served in a child process; each crawl runs in its own process with
Vigie's crawl settings for this site (``crawler.settings.build_settings``: scrapy-playwright,
Debian's ``/usr/bin/chromium``, ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT`` 4), Vigie's scope
check (the route guard on every page) and the WARC archive (rendered DOM + every network
response of the page), no database.  Concurrency 16, no delay.  Rows:

- ``browser, N context(s)``: every market page (``/market?page=1..K``, 100 listings each)
  rendered as the nocturne spider renders it (``market_request``: wait for ``#app[data-ready]``),
  spread over N browser contexts (``meta["playwright_context"]``), with
  ``PLAYWRIGHT_MAX_CONTEXTS`` = N; the spider's own parse of each page (items counted, vendor
  links not followed).
- ``browser, spider as is`` (with ``--as-is``): the same pages all in the spider's single
  ``default`` context, ``PLAYWRIGHT_MAX_CONTEXTS`` 4 — what a nocturne crawl does today.
- ``plain HTTP, market URLs``: the same URLs without a browser (only the page shell: the
  listings come from the page's script, so this is the fetch cost, not usable data).
- ``plain HTTP, vendor pages``: the spider's plain-HTTP part of the same site (vendor
  directory → profiles → reviews), parsed.

pages/s is over the crawl (engine start to close, browser launch included); "steady" is
from the first to the last response.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (
    cpu_seconds,
    machine,
    med,
    served_world,
    spread,
    table,
    targets_file,
    warm,
)

CLOCK_EXT = {"bench._common.CrawlClock": 0}


def child(args: dict) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.browser import BROWSER_CONTEXT
    from crawler.settings import build_settings, component_settings
    from crawler.targets import load_targets
    from spiders.nocturne import NocturneSpider

    mode, n_ctx, pages = args["mode"], args["contexts"], args["pages"]
    tf = load_targets(args["targets"])
    target = tf.get("nocturne")

    class BenchNocturne(NocturneSpider):
        name = "nocturne"

        async def start(self):
            if mode == "http-vendors":
                yield scrapy.Request(f"{self.base_url}/vendors?page=1", callback=self.parse_directory)
                return
            for n in range(1, pages + 1):
                url = f"{self.base_url}/market?page={n}"
                if mode == "http-market":
                    yield scrapy.Request(url, callback=self.fetched)
                    continue
                req = self.market_request(url)
                if n_ctx and n % n_ctx:                     # spread over N contexts; the spider's own
                    req.meta["playwright_context"] = f"bench-{n % n_ctx}"    # 'default' is one of them
                    req.meta["playwright_context_kwargs"] = {**BROWSER_CONTEXT, "user_agent": tf.user_agent}
                yield req

        def fetched(self, response):
            return None

        def parse_market(self, response):
            for out in super().parse_market(response):
                if isinstance(out, scrapy.Request) and out.callback == self.parse_vendor:
                    continue                                # market pages only
                yield out

    settings = build_settings(target, tf, BenchNocturne)
    settings.update(component_settings(pipeline=False, warc_dir=args["warc"]))
    settings.update({"LOG_LEVEL": "ERROR", "EXTENSIONS": CLOCK_EXT, "PLAYWRIGHT_MAX_CONTEXTS": n_ctx or 4,
                     "CLOSESPIDER_TIMEOUT": args["time_limit"]})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BenchNocturne)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    process.crawl(crawler, target=target, observed_at=args["observed_at"])
    process.start()
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    rc = resource.getrusage(resource.RUSAGE_CHILDREN)      # the browser's processes, once they exited
    stats = crawler.stats.get_stats()
    from bench._common import LAST_CLOCK
    return {"pages": stats.get("response_received_count", 0), "items": stats.get("item_scraped_count", 0),
            "rendered": stats.get("vigie/warc/rendered_dom", 0), "reason": stats.get("finish_reason"),
            "render_failed": stats.get("nocturne/render_failed", 0), "wall_s": wall,
            "cpu_s": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
            "browser_cpu_s": rc.ru_utime + rc.ru_stime, "browser_peak_rss_mb": rc.ru_maxrss / 1024, **LAST_CLOCK}


def run_child(args: dict, server_pid: int) -> dict:
    res = Path(tempfile.mktemp(prefix="bench-browser-", suffix=".json"))
    s0 = cpu_seconds(server_pid)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(args), str(res)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0 or not res.exists():
        raise RuntimeError(f"child failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(res.read_text())
    res.unlink()
    out["server_cpu_s"] = cpu_seconds(server_pid) - s0
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actors", type=int, default=4000)
    ap.add_argument("--day", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--contexts", default="1,2,4")
    ap.add_argument("--as-is", action="store_true", help="also the spider as it is (one 'default' context)")
    ap.add_argument("--time-limit", type=int, default=600, help="seconds per crawl")
    args = ap.parse_args(argv)
    from bench.bench_crawl import observed_at

    print(machine())
    print(f"chromium: {subprocess.run(['/usr/bin/chromium', '--version'], capture_output=True, text=True).stdout.strip()}")
    tmp = Path(tempfile.mkdtemp(prefix="vigie-bench-browser-"))
    with served_world(args.actors, args.day, ("nocturne",)) as srv:
        base = srv["urls"]["nocturne"]
        warm(base, ("/", "/market?page=1", "/api/listings?page=1", "/vendors?page=1"))
        import re
        import urllib.request
        shell = urllib.request.urlopen(f"{base}/market?page=1", timeout=60).read().decode()
        m = re.search(r'data-pages="(\d+)"', shell)
        if m:
            n_pages = int(m.group(1))
        else:   # the page count is drawn by the script: count the listings instead
            from mock_sites.sites.nocturne import LISTINGS_PER_PAGE
            from mock_sites.world import World, WorldConfig
            view = World(WorldConfig(n_actors=args.actors, days=30)).day_view(args.day)
            n_pages = -(-sum(1 for l in view.listings if l.site == "nocturne") // LISTINGS_PER_PAGE)
        targets = targets_file(tmp / "targets.toml", srv["urls"], concurrency=16)
        print(f"world: {args.actors} actors, nocturne day {args.day}: {n_pages} market pages", flush=True)

        modes = [(f"browser, {n} context{'s' if n > 1 else ''}", "browser", n) for n in map(int, args.contexts.split(","))]
        if args.as_is:
            modes.append(("browser, spider as is (1 'default' context)", "browser", 0))
        modes += [("plain HTTP, market URLs (shell only)", "http-market", 0),
                  ("plain HTTP, vendor pages (parsed)", "http-vendors", 0)]
        results: dict[str, list] = {label: [] for label, _, _ in modes}
        k = 0
        for i in range(args.runs):
            for label, mode, n in (modes if i % 2 == 0 else list(reversed(modes))):
                k += 1
                a = {"mode": mode, "contexts": n, "pages": n_pages, "targets": str(targets),
                     "warc": str(tmp / f"warc-{k}"), "observed_at": observed_at(args.day).isoformat(),
                     "time_limit": args.time_limit}
                r = run_child(a, srv["pid"])
                shutil.rmtree(tmp / f"warc-{k}", ignore_errors=True)
                results[label].append(r)
                print(f"  run {i + 1} {label}: {r['pages']} pages, {r['items']} items in {r['crawl_s']:.1f} s = "
                      f"{r['pages'] / r['crawl_s']:.1f} pages/s ({r['reason']}, {r['render_failed']} render retries)",
                      flush=True)

    rows = []
    http_pps = None
    for label, mode, n in modes:
        rs = results[label]
        pps = [r["pages"] / r["crawl_s"] for r in rs]
        steady = [(r["responses"] - 1) / (r["last_response"] - r["first_response"]) for r in rs
                  if r.get("responses", 0) > 1 and r["last_response"] > r["first_response"]]
        ips = [r["items"] / r["crawl_s"] for r in rs]
        cpu = [1000 * (r["cpu_s"] + r["browser_cpu_s"]) / r["pages"] for r in rs]
        if mode == "http-vendors":
            http_pps = med(pps)
        rows.append([label, len(rs), int(med([r["pages"] for r in rs])), f"{med(pps):.1f}", spread(pps),
                     f"{med(steady):.1f}", f"{med(ips):.0f}", f"{med(cpu):.0f}",
                     f"{med([r['browser_peak_rss_mb'] for r in rs]):.0f}" if mode == "browser" else "-"])
    print()
    print(table(["pages", "runs", "pages", "pages/s (median)", "range", "pages/s steady", "items/s",
                 "CPU ms/page (crawler + browser)", "browser peak RSS MB"], rows))
    if http_pps:
        first = rows[0]
        print(f"\nbrowser (1 context) vs plain-HTTP vendor pages: {float(first[3]) / http_pps:.2f}x the pages/s")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        Path(sys.argv[3]).write_text(json.dumps(child(json.loads(sys.argv[2]))))
    else:
        main()
