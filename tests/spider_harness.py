"""Run one spider against a target in a subprocess and collect its raw items.

For spider tests: no pipeline, no database, just what the spider yields, as dicts.
``python -m tests.spider_harness TARGETS_FILE KEY OBSERVED_AT OUT.jsonl`` is the child.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path


def run_spider_raw(targets_path: str | Path, key: str, observed_at: datetime, tmp_path: Path,
                   env: dict | None = None, timeout: int = 240) -> tuple[list[dict], dict]:
    """Returns (raw items as dicts, {"finish_reason": ..., "stats": {...}})."""
    out = Path(tmp_path) / f"{key}-items.jsonl"
    meta = Path(tmp_path) / f"{key}-meta.json"
    cmd = [sys.executable, "-m", "tests.spider_harness", str(targets_path), key, observed_at.isoformat(),
           str(out), str(meta)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=Path(__file__).resolve().parent.parent)
    if proc.returncode != 0 or not meta.exists():
        raise RuntimeError(f"spider {key} failed (rc={proc.returncode}):\n{proc.stderr[-4000:]}")
    items = [json.loads(line) for line in out.read_text().splitlines() if line.strip()] if out.exists() else []
    return items, json.loads(meta.read_text())


def _child(targets_path: str, key: str, observed_at: str, out: str, meta: str) -> None:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import SpiderLoader
    from scrapy.settings import Settings

    from crawler.settings import BASE, build_settings, component_settings
    from crawler.targets import load_targets

    tf = load_targets(targets_path)
    target = tf.get(key)
    spider_cls = SpiderLoader(Settings(BASE)).load(target.spider)
    settings = build_settings(target, tf, spider_cls, {"LOG_LEVEL": "WARNING"})
    settings.update(component_settings(pipeline=False))   # scope and Retry-After, as in a real run
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    result: dict = {"items": 0}
    fh = open(out, "w", encoding="utf-8")

    def item_scraped(item, response, spider):
        data = item.model_dump(mode="json") if hasattr(item, "model_dump") else dict(item)
        fh.write(json.dumps(data, ensure_ascii=False) + "\n")
        result["items"] += 1

    def spider_closed(spider, reason):
        result["finish_reason"] = reason

    crawler.signals.connect(item_scraped, signal=signals.item_scraped)
    crawler.signals.connect(spider_closed, signal=signals.spider_closed)
    process.crawl(crawler, target=target, observed_at=observed_at)
    process.start()
    fh.close()
    stats = {k: v for k, v in (crawler.stats.get_stats() or {}).items() if isinstance(v, (int, float, str))}
    Path(meta).write_text(json.dumps({"finish_reason": result.get("finish_reason"), "stats": stats}, default=str))


if __name__ == "__main__":
    _child(*sys.argv[1:6])
