"""Helpers for the reliability tests (tests/test_reliability_*.py).  No tests here.

- ``Recorder``: an ASGI wrapper that writes down, for every request a mock site receives,
  whether the client got a usable answer (status < 400, not cut, not slower than the
  client's timeout) — what the crawler *should* list as lost is computed from it.
- ``FailPaths``: an ASGI wrapper answering 500, always, for some paths.
- ``serve_site``: one mock site of a world (with its faults) behind those wrappers.
- ``targets_text``: a targets file for loopback URLs with the politeness asked for.
- ``run_crawl`` / ``start_crawl``: ``python -m tests.reliability_support`` — one run of
  ``crawler.run.run_target`` in a child process, with extra Scrapy settings (a small item
  batch, to have items spooled before a kill), as ``python -m crawler.run`` would do it.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
BUYER_KEY = "vigie-test-buyer-key (tests only)"      # = tests.test_crawl_support.TEST_BUYER_KEY


def crawl_clock(config, day: int) -> datetime:
    return datetime.combine(config.start_date + timedelta(days=day), dtime(12), timezone.utc)


# ------------------------------------------------------------------ ASGI wrappers
class Recorder:
    """Outermost ASGI wrapper: per request URL (path + query, as sent), the attempts and
    whether each gave the client a usable answer."""

    def __init__(self, app, client_timeout: float):
        self.app, self.client_timeout = app, client_timeout
        self.attempts: dict[str, list[bool]] = {}
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        qs = scope.get("query_string", b"").decode("latin-1")
        url = path + (f"?{qs}" if qs else "")
        status: dict = {}
        started = time.monotonic()

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        ok = False
        try:
            await self.app(scope, receive, watch)
            ok = status.get("code", 599) < 400 and time.monotonic() - started < self.client_timeout
        finally:
            if url != "/robots.txt":
                with self.lock:
                    self.attempts.setdefault(url, []).append(ok)

    def lost(self, base_url: str) -> set[str]:
        """URLs requested that never got a usable answer."""
        with self.lock:
            return {base_url + url for url, oks in self.attempts.items() if not any(oks)}

    def requests(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.attempts.values())


class FailPaths:
    """Answers 500 to every request for one of ``paths`` (path + query, as sent)."""

    def __init__(self, app, paths: set[str]):
        self.app, self.paths = app, set(paths)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
            qs = scope.get("query_string", b"").decode("latin-1")
            if path + (f"?{qs}" if qs else "") in self.paths:
                body = b"<h1>500 Internal Server Error</h1>"
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


@contextlib.contextmanager
def serve_site(config, world, site: str, day: int, client_timeout: float = 10.0,
               fail_paths: set[str] = frozenset()) -> Iterator[tuple[str, Recorder, object, object]]:
    """Serve ``site`` of ``world`` (with the config's faults) behind ``FailPaths`` and a
    ``Recorder``; yields (base URL, recorder, fault injector, clock)."""
    from mock_sites.server import build_site_app, serve_apps
    from mock_sites.sites.common import Clock, SiteContext
    clock = Clock(day)
    injector = build_site_app(site, SiteContext(site=site, world=world, clock=clock, config=config))
    recorder = Recorder(FailPaths(injector, fail_paths), client_timeout)
    with serve_apps({site: recorder}) as urls:
        yield urls[site], recorder, injector, clock


def targets_text(urls: dict[str, str], spiders: dict[str, str] | None = None, expires: str = "2099-12-31",
                 concurrency: int = 8, timeout: float = 10.0, max_pages: int | None = None,
                 max_response_bytes: int | None = None, time_limit: int | None = None,
                 credentials: bool = False) -> str:
    """A targets file authorising exactly ``urls`` ({key: base URL})."""
    lines = ["[operator]", 'name = "Vigie reliability tests"', 'contact = "mailto:vigie-tests@example.org"', ""]
    for key, url in urls.items():
        hostport = url.split("://", 1)[1].rstrip("/")
        lines += ["[[target]]", f'key = "{key}"', f'spider = "{(spiders or {}).get(key, key)}"',
                  f'base_urls = ["{url.rstrip("/")}/"]',
                  "[target.authorisation]", 'owner = "Vigie developers"', 'reference = "RELIABILITY-TESTS"',
                  f'scope = ["{hostport}"]', f"expires = {expires}",
                  "[target.politeness]", f"concurrency = {concurrency}", "delay = 0.0", f"timeout = {timeout}"]
        if max_pages is not None:
            lines.append(f"max_pages = {max_pages}")
        if max_response_bytes is not None:
            lines.append(f"max_response_bytes = {max_response_bytes}")
        if time_limit is not None:
            lines += ["[target.schedule]", f"time_limit = {time_limit}"]
        if credentials:
            lines += ["[target.credentials]", 'username_env = "VIGIE_VAULT_USER"',
                      'password_env = "VIGIE_VAULT_PASSWORD"']
        lines.append("")
    return "\n".join(lines)


FIGURES_DIR = ROOT / "test-artifacts" / "reliability"


def record_figures(name: str, figures: dict) -> None:
    """Keep a test's figures (items expected/stored, pages lost...) in
    ``test-artifacts/reliability/<name>.json`` — docs/reliability.md quotes them."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    (FIGURES_DIR / f"{name}.json").write_text(json.dumps(figures, indent=1, sort_keys=True, default=str))
    print(f"figures {name}: {json.dumps(figures, sort_keys=True, default=str)}")


# ------------------------------------------------------------------ one run in a child process
def crawl_command(key: str, targets: Path, db_url: str, now: datetime, tmp: Path, jobdir: Path | None = None,
                  settings: dict | None = None, tag: str = "run") -> list[str]:
    cmd = [sys.executable, "-m", "tests.reliability_support", key, "--targets", str(targets), "--db", db_url,
           "--now", now.isoformat(), "--warc-dir", str(tmp / "warc"), "--spool-dir", str(tmp / "spool"),
           "--progress-file", str(tmp / f"{tag}.progress.json"), "--result-file", str(tmp / f"{tag}.result.json"),
           "--settings", json.dumps(settings or {})]
    if jobdir is not None:
        cmd += ["--jobdir", str(jobdir)]
    return cmd


def child_env(extra: dict | None = None) -> dict:
    env = {**os.environ, "VIGIE_BUYER_KEY": BUYER_KEY, "VIGIE_DRAIN_WAIT": "1", **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def start_crawl(*args, env: dict | None = None, log: Path | None = None, **kwargs) -> subprocess.Popen:
    out = open(log, "ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(crawl_command(*args, **kwargs), cwd=ROOT, env=child_env(env), stdout=out,
                                stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()


def run_crawl(*args, env: dict | None = None, log: Path | None = None, timeout: float = 600, **kwargs) -> dict:
    """Run one crawl to its end; returns its ``RunOutcome`` as a dict (plus ``exit_code``)."""
    proc = start_crawl(*args, env=env, log=log, **kwargs)
    code = proc.wait(timeout)
    tmp, tag = args[4], kwargs.get("tag", "run")
    result = json.loads((Path(tmp) / f"{tag}.result.json").read_text())
    result["exit_code"] = code
    return result


def read_progress(tmp: Path, tag: str = "run") -> dict:
    try:
        return json.loads((tmp / f"{tag}.progress.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _child(argv: list[str] | None = None) -> int:
    from crawler.run import parse_now, run_target
    ap = argparse.ArgumentParser()
    ap.add_argument("key")
    for flag in ("--targets", "--db", "--now", "--warc-dir", "--spool-dir", "--progress-file", "--result-file",
                 "--jobdir", "--settings"):
        ap.add_argument(flag)
    a = ap.parse_args(argv)
    out = run_target(a.key, a.targets, a.db, parse_now(a.now), a.warc_dir, a.jobdir, a.spool_dir,
                     a.progress_file, float(os.environ.get("VIGIE_DRAIN_WAIT", 30)),
                     settings=json.loads(a.settings or "{}") or None)
    Path(a.result_file).write_text(json.dumps({**asdict(out), "exit_code": out.exit_code}, default=str))
    return out.exit_code


if __name__ == "__main__":
    sys.exit(_child())
