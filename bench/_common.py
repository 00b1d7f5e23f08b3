"""What the benchmarks share: the machine, a mock world served in its own process,
targets files, medians, /proc readings and a small extension that times a crawl.

Not a benchmark itself.  The server child is ``python bench/_common.py serve ...``: it
builds the world, serves the requested sites on loopback and prints one JSON line
(``{"urls": {...}, "admin": ..., "pid": ...}``); it stops when its stdin closes.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUYER_KEY = "bench-buyer-key"


# ------------------------------------------------------------------ machine
def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"machine: nproc={os.cpu_count()} cpu={model!r} mem={mem} loadavg(1/5/15 min)={load} "
            f"python={platform.python_version()} {platform.system()} {platform.release()}")


def med(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def spread(values) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{min(values):.0f}–{max(values):.0f}" if max(values) >= 100 else f"{min(values):.2f}–{max(values):.2f}"


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ------------------------------------------------------------------ /proc
def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current RSS, peak RSS) in MiB, from /proc/<pid>/status."""
    cur = peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            cur = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return cur, peak


# ------------------------------------------------------------------ the served world
@contextmanager
def served_world(actors: int, day: int, sites: tuple[str, ...], days: int = 30, seed: int = 7,
                 latency: float = 0.0):
    """Serve the mock world in a child process (its own CPU and GIL, as in production where
    the site is elsewhere); yields ``{"urls": {site: url}, "admin": url, "pid": pid}``.
    ``latency`` > 0: every page but robots.txt is answered that many seconds late (the mock
    server's "slow" fault at rate 1), a stand-in for a real network."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "serve", str(actors), str(day), ",".join(sites),
           str(days), str(seed), str(latency)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("mock server did not start")
        info = json.loads(line)
        info["pid"] = proc.pid
        yield info
    finally:
        proc.stdin.close()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _serve_child(actors: str, day: str, sites: str, days: str, seed: str, latency: str = "0") -> None:
    from mock_sites.server import serve_world
    from mock_sites.world.config import Faults, WorldConfig
    slow = float(latency)
    faults = {site: Faults(slow_rate=1.0, slow_seconds=slow) for site in sites.split(",")} if slow > 0 else {}
    config = WorldConfig(n_actors=int(actors), days=int(days), seed=int(seed), faults=faults)
    with serve_world(config, day=int(day), sites=tuple(sites.split(","))) as running:
        print(json.dumps({"urls": running.urls, "admin": running.admin_url}), flush=True)
        sys.stdin.read()                           # until the parent closes our stdin


def warm(url: str, paths=("/", "/listings?page=1", "/vendors?page=1")) -> None:
    """One request per path, so the server has built its day index before timing."""
    import urllib.request
    for p in paths:
        try:
            urllib.request.urlopen(url.rstrip("/") + p, timeout=120).read()
        except Exception:  # noqa: BLE001 - a 404 or a 5xx still warms the index
            pass


def targets_file(path: Path, urls: dict[str, str], concurrency: int = 16, max_pages: int = 1_000_000,
                 timeout: float = 60.0) -> Path:
    """A targets file authorising exactly ``urls``, politeness off (no delay)."""
    lines = ["[operator]", 'name = "Vigie benchmarks"', 'contact = "mailto:vigie-bench@example.org"', ""]
    for site, url in urls.items():
        hostport = url.split("://", 1)[1]
        lines += ["[[target]]", f'key = "{site}"', f'spider = "{site}"', f'base_urls = ["{url}/"]',
                  "[target.authorisation]", 'owner = "Vigie developers"', 'reference = "MOCK-WORLD"',
                  f'scope = ["{hostport}"]', "expires = 2099-12-31",
                  "[target.politeness]", f"concurrency = {concurrency}", "delay = 0.0", f"timeout = {timeout}",
                  f"max_pages = {max_pages}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# ------------------------------------------------------------------ timing extension
LAST_CLOCK: dict = {}     # what the last CrawlClock of this process measured


class CrawlClock:
    """Scrapy extension (benchmarks only): records the crawl's wall time from engine start
    to spider close, the process CPU time over it, and (``BENCH_URLS_OUT``) the URL of
    every response, in ``crawler.bench``."""

    def __init__(self, crawler):
        from scrapy import signals
        self.crawler = crawler
        LAST_CLOCK.clear()
        self.data = LAST_CLOCK
        self.urls_out = crawler.settings.get("BENCH_URLS_OUT")
        self.urls: list[str] = []
        crawler.bench = self.data
        crawler.signals.connect(self.started, signal=signals.engine_started)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def started(self):
        self.data["t0"] = time.perf_counter()
        self.data["cpu0"] = time.process_time()

    def response(self, response, request, spider):
        now = time.perf_counter()
        self.data.setdefault("first_response", now - self.data.get("t0", now))
        self.data["last_response"] = now - self.data.get("t0", now)
        self.data["responses"] = self.data.get("responses", 0) + 1
        if self.urls_out:
            self.urls.append(response.url)

    def closed(self, spider, reason):
        self.data["crawl_s"] = time.perf_counter() - self.data.get("t0", time.perf_counter())
        self.data["crawl_cpu_s"] = time.process_time() - self.data.get("cpu0", time.process_time())
        self.data["reason"] = reason
        if self.urls_out:
            Path(self.urls_out).write_text("\n".join(self.urls) + "\n", encoding="utf-8")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "serve":
    _serve_child(*sys.argv[2:8])
