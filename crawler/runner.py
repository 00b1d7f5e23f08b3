"""Run crawls of several sites, one subprocess per site (``python -m crawler.run``).

``crawl_sites(keys, targets, db_url, observed_at, warc_dir, jobs)`` is what ``vigie crawl``,
the demo and the scheduler use: it upgrades the database once, starts up to ``jobs``
children at a time, reports their progress (each child rewrites a small JSON progress
file that the parent polls) and returns one ``RunResult`` per site, in the order given.
A child that outlives its target's ``schedule.time_limit`` (plus a grace period) is
killed and its run finished as ``failed``; a child that dies without a result is
``failed`` with the end of its log as the reason.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from crawler.run import EXIT_CODES, STATUS_OF_EXIT

logger = logging.getLogger(__name__)

KILL_GRACE_SECONDS = 120          # beyond the target's time limit (the child stops itself at the limit)
DEFAULT_TIME_LIMIT = 3600
POLL_SECONDS = 0.2
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class RunResult:
    site: str
    status: str                      # complete|partial|blocked|failed|refused
    reason: str | None = None
    exit_code: int = 0
    pages: int = 0
    items: int = 0
    quarantined: int = 0
    duration: float = 0.0            # seconds, wall clock
    run_id: int | None = None
    run_key: str | None = None
    spooled: bool = False            # the database was unreachable: the run waits in its spool file
    missing: list[str] = field(default_factory=list)


def worst_exit_code(results: Iterable[RunResult]) -> int:
    return max((r.exit_code for r in results), default=0)


@dataclass
class _Child:
    site: str
    proc: subprocess.Popen
    started: float
    deadline: float
    progress: Path
    result: Path
    log: Path


def crawl_sites(keys: list[str], targets: str | os.PathLike | None = None, db_url: str | None = None,
                observed_at: datetime | None = None, warc_dir: str | os.PathLike | None = None, jobs: int = 2,
                spool_dir: str | os.PathLike | None = None, jobdir_root: str | os.PathLike | None = None,
                progress: Callable[[str, dict], None] | None = None, env: dict | None = None) -> list[RunResult]:
    """Crawl each site in ``keys`` in its own process, at most ``jobs`` at once."""
    from storage import Store
    _upgrade(Store(db_url))
    limits = _time_limits(targets)
    pending = list(dict.fromkeys(keys))
    running: list[_Child] = []
    results: dict[str, RunResult] = {}
    with tempfile.TemporaryDirectory(prefix="vigie-crawl-") as tmp:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                site = pending.pop(0)
                running.append(_launch(site, Path(tmp), targets, db_url, observed_at, warc_dir, spool_dir,
                                       jobdir_root, limits.get(site, DEFAULT_TIME_LIMIT), env))
            time.sleep(POLL_SECONDS)
            for child in list(running):
                state = _read_json(child.progress)
                if progress and state:
                    progress(child.site, state)
                if child.proc.poll() is None and time.monotonic() > child.deadline:
                    child.proc.kill()
                    child.proc.wait()
                    results[child.site] = _killed(child, state, db_url)
                elif child.proc.poll() is not None:
                    results[child.site] = _collect(child)
                else:
                    continue
                running.remove(child)
                if progress:
                    progress(child.site, {**(state or {}), "state": "done",
                                          "status": results[child.site].status})
    return [results[k] for k in dict.fromkeys(keys)]


def _launch(site, tmp: Path, targets, db_url, observed_at, warc_dir, spool_dir, jobdir_root, limit, env) -> _Child:
    files = {name: tmp / f"{site}.{name}" for name in ("progress", "result", "log")}
    cmd = [sys.executable, "-m", "crawler.run", site, "--progress-file", str(files["progress"]),
           "--result-file", str(files["result"])]
    for flag, value in (("--targets", targets), ("--db", db_url), ("--warc-dir", warc_dir),
                        ("--spool-dir", spool_dir),
                        ("--now", observed_at.isoformat() if observed_at else None),
                        ("--jobdir", Path(jobdir_root) / site if jobdir_root else None)):
        if value is not None:
            cmd += [flag, str(value)]
    log = open(files["log"], "wb")
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), child_env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=child_env, cwd=os.getcwd())
    log.close()
    now = time.monotonic()
    return _Child(site, proc, now, now + limit + KILL_GRACE_SECONDS, files["progress"], files["result"],
                  files["log"])


def _collect(child: _Child) -> RunResult:
    duration = time.monotonic() - child.started
    data = _read_json(child.result)
    if data is None:
        tail = child.log.read_bytes()[-1500:].decode("utf-8", "replace").strip()
        status = "failed"
        return RunResult(child.site, status, f"failed: crawl process exited with code {child.proc.returncode} "
                         f"and no result: {tail}", EXIT_CODES[status], duration=duration)
    if data["status"] not in ("complete", "refused") and os.environ.get("VIGIE_LOG_CHILD"):
        sys.stderr.write(child.log.read_text("utf-8", "replace"))
    return RunResult(site=child.site, status=data["status"], reason=data.get("reason"),
                     exit_code=child.proc.returncode if child.proc.returncode in STATUS_OF_EXIT
                     else EXIT_CODES["failed"],
                     pages=data.get("pages", 0), items=data.get("items", 0), quarantined=data.get("quarantined", 0),
                     duration=duration, run_id=data.get("run_id"), run_key=data.get("run_key"),
                     spooled=data.get("spooled", False), missing=data.get("missing", []))


def _killed(child: _Child, state: dict | None, db_url) -> RunResult:
    """The child outlived its time limit: record its run as failed (when it had started one)."""
    limit = child.deadline - child.started
    reason = f"failed: killed after {limit:.0f} s (time limit plus {KILL_GRACE_SECONDS} s grace)"
    state = state or {}
    if state.get("run_key"):
        try:
            from storage import Store
            store = Store(db_url)
            if store.run(state["run_key"]).status == "running":
                store.finish_run(state["run_key"], "failed", reason)
            store.dispose()
        except Exception as exc:  # noqa: BLE001 - the database may be why it hung; the result still says so
            reason += f" (run not finished in the database: {exc.__class__.__name__})"
    return RunResult(child.site, "failed", reason, EXIT_CODES["failed"], pages=state.get("pages", 0),
                     items=state.get("items", 0), quarantined=state.get("quarantined", 0),
                     duration=time.monotonic() - child.started, run_id=state.get("run_id"),
                     run_key=state.get("run_key"))


def _upgrade(store) -> None:
    from sqlalchemy.exc import DBAPIError
    try:
        store.upgrade()
    except DBAPIError as exc:
        logger.warning("database unreachable before the crawl (%s): runs will be spooled", exc.__class__.__name__)
    finally:
        store.dispose()


def _time_limits(targets) -> dict[str, int]:
    from crawler.targets import TargetsError, load_targets
    try:
        return {t.key: t.schedule.time_limit for t in load_targets(targets).target}
    except TargetsError:
        return {}           # each child reports the error itself (refused)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
