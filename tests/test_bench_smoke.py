"""The benchmark harness runs end to end on a tiny world (figures are not checked: timing
assertions do not belong in tests; docs/benchmarks.md has the measured ones)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str, *args: str, timeout: int = 240) -> str:
    out = subprocess.run([sys.executable, f"bench/bench_{name}.py", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


def test_crawl_benchmark_compares_three_sides_on_the_same_pages():
    out = _bench("crawl", "--actors", "60", "--runs", "1", "--wrk-seconds", "1")
    assert out.startswith("machine: nproc=")
    runs = [line for line in out.splitlines() if line.strip().startswith("run 1")]
    assert sorted(line.split()[2].rstrip(":") for line in runs) == ["scrapy", "spider", "vigie"]
    assert all(line.endswith("complete") for line in runs), runs
    pages = {line.split()[2].rstrip(":"): int(line.split()[3]) for line in runs}
    assert pages["vigie"] == pages["scrapy"] and abs(pages["spider"] - pages["vigie"]) <= 1   # robots.txt
    for words in ("ratio Vigie / plain Scrapy, pages/s", "ratio spider only / plain Scrapy",
                  "ratio Vigie / spider only", "drainer CPU ms/page"):
        assert words in out


def test_world_benchmark_prints_one_row_per_size():
    out = _bench("world", "--sizes", "40,80", "--day", "3")
    rows = [line for line in out.splitlines() if line.split()[:1] in (["40"], ["80"])]
    assert len(rows) == 2 and rows[0].split()[3] == "1.00"


def test_benchmark_baselines_refuse_anything_but_loopback():
    """The baselines run without Vigie's scope check, so they refuse any non-loopback URL."""
    from bench.bench_crawl import loopback_only
    loopback_only(["http://127.0.0.1:8000/a", "http://localhost:1/b"])
    with pytest.raises(SystemExit, match="only the mock world on loopback"):
        loopback_only(["http://127.0.0.1:8000/a", "http://example.org/"])
