"""One crawl run of one target, in this process (the child of ``vigie crawl``).

``run_target(key, targets, db_url, ...)`` loads the targets file, checks the
authorisation, starts the run in the database, crawls with the project's components
(scope, WARC, Retry-After, ``StorePipeline``), then records the outcome with
``Store.finish_run``.  Scrapy's reactor cannot restart: call it once per process
(``python -m crawler.run KEY --targets F --db URL ...``, which ``crawler.runner`` launches).

Status of a run
- ``complete``: the spider finished and no page was lost.
- ``partial``: the spider finished (or hit the time/page limit, or was interrupted) but
  pages were lost: retries exhausted, HTTP errors (503 downtime, 502 after an exit...),
  timeouts, pages a browser could not render, spider errors.  The reason counts them by
  cause and the run's ``missing`` column lists their URLs.  Nothing unseen is closed.
- ``blocked``: the spider met a CAPTCHA, ban or seizure page (``CloseSpider("blocked: ...")``).
- ``failed``: ``CloseSpider("failed: ...")``, a crash, a spider that raised on every page.

Exit codes (``python -m crawler.run`` and ``vigie crawl``, worst of its runs):
0 complete, 1 partial, 2 blocked, 3 failed, 4 refused — bad targets file, unknown target,
expired authorisation, missing buyer-hash key, or a crawl clock older than the site's last
run; a refused run is *not* recorded in the database (no day appears for it) —, 5 crawled
but the database was unreachable: the run is kept in its spool file until ``vigie drain``
or the next run of the site writes it.

Durability: the run's operations go to a spool file (``<spool-dir>/<site>/<run_key>.jsonl``)
before the database; see ``crawler.pipeline``.  Resume: with ``jobdir`` (Scrapy's JOBDIR),
an interrupted run stays ``running``; running it again with the same ``jobdir`` continues
the same run (same run key, same crawl clock) and finishes it.  After a graceful stop
(SIGTERM / Ctrl-C) Scrapy's queue in the JOBDIR is consistent and the crawl continues
where it stopped.  After a hard kill (SIGKILL, a crash, a lost machine) it is not — its
seen-requests file may list pages whose items were still in memory, its queue may be
unreadable — so the resumed run crawls again from its start URLs: items already stored
are upserted again, which adds nothing.  Lost-page accounting restarts with the resumed part.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

logger = logging.getLogger(__name__)

EXIT_CODES = {"complete": 0, "partial": 1, "blocked": 2, "failed": 3, "refused": 4, "spooled": 5}
STATUS_OF_EXIT = {v: k for k, v in EXIT_CODES.items()}
MAX_MISSING_IN_REASON = 5
DEFAULT_SPOOL_DIR = "vigie-spool"
RUN_STATE = "vigie-run.json"      # in the JOBDIR: the run being resumed


class Refused(RuntimeError):
    """The run may not start (targets, authorisation, key, crawl clock): exit code 4."""


@dataclass
class RunOutcome:
    site: str
    status: str                       # complete|partial|blocked|failed|refused
    reason: str | None = None
    run_id: int | None = None
    run_key: str | None = None
    observed_at: str | None = None
    pages: int = 0
    items: int = 0
    quarantined: int = 0
    missing: list[str] = field(default_factory=list)
    warc_files: list = field(default_factory=list)
    spooled: bool = False             # True when operations wait in the spool (database unreachable)
    spool_path: str | None = None
    stats: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.spooled and self.status != "refused":
            return EXIT_CODES["spooled"]
        return EXIT_CODES[self.status]


# ------------------------------------------------------------------ lost pages
class LostPages:
    """Downloader middleware placed next to the engine (priority 10): it sees each
    request's final response or exception, after retries, Retry-After and redirects.
    A URL whose final answer is an unhandled HTTP error (>= 400) or a download error
    (timeout, refused connection, cut body...) is lost until a later request for the same
    URL succeeds.  Refused requests (``IgnoreRequest``: robots.txt, scope) are not lost.

    A request that went to the downloader and never came back with an answer is lost too,
    when the spider closes: Scrapy drops some responses without telling the spider or
    the download error log — a redirect loop (the scheduler filters the URL it started
    from), too many redirects, a body over DOWNLOAD_MAXSIZE once decompressed (a gzip
    bomb).  A redirect to a page already fetched is not a loss."""

    REDIRECT_DROP = "redirect loop or too many redirects"
    OTHER_DROP = "dropped without an answer (e.g. body over max_response_bytes once decompressed)"

    def __init__(self, crawler):
        self.crawler = crawler
        self.lost: dict[str, str] = {}
        self.pending: set[str] = set()         # sent to the downloader, no answer yet
        self.answered: set[str] = set()        # answered (fine, lost or refused)
        self.waiting: dict[str, set[str]] = {}  # URL -> redirect origins settled with it
        self.requested: set[str] = set()       # URLs the spider asked for (not redirect hops)
        self.redirecting: set[str] = set()     # URLs that started a chain of redirects
        crawler.lost_pages = self        # read by run_target after the crawl

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        mw = cls(crawler)
        crawler.signals.connect(mw.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_request(self, request, spider=None):
        if not request.meta.get("dont_obey_robotstxt"):
            self.pending.add(request.url)
            chain = request.meta.get("redirect_urls")
            if chain:
                self.redirecting.add(chain[0])
            else:
                self.requested.add(request.url)
        return None

    def process_response(self, request, response, spider=None):
        if response.status >= 400 and not self._handled(request, response.status):
            if not (request.url.endswith("/robots.txt") and request.meta.get("dont_obey_robotstxt")):
                self._lose(request.url, f"HTTP {response.status}")
        else:
            self.lost.pop(request.url, None)
        self._settle(request)
        return response

    def process_exception(self, request, exception, spider=None):
        from scrapy.exceptions import IgnoreRequest
        if not isinstance(exception, IgnoreRequest) and not request.meta.get("dont_obey_robotstxt"):
            self._lose(request.url, exception.__class__.__name__)
        self._settle(request)
        return None

    def request_dropped(self, request, spider=None):
        """The scheduler filtered a duplicate: a redirect to a page fetched (or being
        fetched) elsewhere settles the pages it came from; a redirect back into its own
        chain (a loop) leaves them pending."""
        chain = request.meta.get("redirect_urls") or ()
        if not chain or request.url in chain:
            return
        if request.url in self.answered:
            self.pending.difference_update(chain)
        else:
            self.waiting.setdefault(request.url, set()).update(chain)

    def spider_closed(self, spider=None, reason=None):
        """What is still pending is lost (listed by the URL the spider asked for, not the hops)."""
        for url in sorted((self.pending & self.requested) - set(self.lost)):
            self._lose(url, self.REDIRECT_DROP if url in self.redirecting else self.OTHER_DROP)
        self.pending.clear()

    def _settle(self, request) -> None:
        urls = {request.url, *(request.meta.get("redirect_urls") or ())}
        urls |= self.waiting.pop(request.url, set())
        self.pending.difference_update(urls)
        self.answered.update(urls)

    def _handled(self, request, status: int) -> bool:
        meta = request.meta
        if meta.get("handle_httpstatus_all") or status in meta.get("handle_httpstatus_list", ()):
            return True
        return status in getattr(self.crawler.spider, "handle_httpstatus_list", ())

    def lose(self, url: str, why: str) -> None:
        """A page fetched but unusable, by the spider's verdict (``VigieSpider.page_lost``):
        lost like an HTTP error, until a later request for the same URL succeeds."""
        self._lose(url, why)

    def _lose(self, url: str, why: str) -> None:
        self.lost[url] = why
        self.crawler.stats.inc_value(f"vigie/lost/{why}")


def decide_status(finish_reason: str | None, lost: dict[str, str], spider_errors: int = 0,
                  unrendered: int = 0, items: int = 0) -> tuple[str, str | None]:
    """The run's (status, reason) from how the spider closed and what was lost."""
    reason = finish_reason or "no finish reason (the crawl did not start)"
    if reason.startswith("blocked"):
        return "blocked", reason
    if reason.startswith("failed"):
        return "failed", reason
    if spider_errors and not items:
        return "failed", f"failed: the spider raised on {spider_errors} page(s) and stored nothing"
    limits = {"closespider_timeout": "time limit reached", "closespider_pagecount": "page limit reached",
              "closespider_itemcount": "item limit reached", "shutdown": "interrupted (shutdown)"}
    if reason not in ("finished", *limits):
        return "failed", f"failed: crawl ended with {reason!r}"
    causes = Counter(lost.values())
    if spider_errors:
        causes["spider error"] += spider_errors
    if unrendered:
        causes["not rendered"] += unrendered
    parts = [limits[reason]] if reason in limits else []
    if causes:
        n = sum(causes.values())
        detail = ", ".join(f"{c} × {k}" for k, c in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0])))
        urls = sorted(lost)[:MAX_MISSING_IN_REASON]
        more = f" (+{len(lost) - len(urls)} more)" if len(lost) > len(urls) else ""
        parts.append(f"{n} page(s) lost: {detail}" + (f"; e.g. {', '.join(urls)}{more}" if urls else ""))
    if parts:
        return "partial", "; ".join(parts)
    return "complete", None


# ------------------------------------------------------------------ the run
def check_authorisation(target, observed_at: datetime) -> None:
    """Valid today (wall clock) and on the crawl clock's day (they differ in simulations)."""
    today = datetime.now(timezone.utc).date()
    for day in sorted({today, observed_at.astimezone(timezone.utc).date()}):
        target.authorisation.check(day, target.key)


def run_target(key: str, targets_path: str | os.PathLike | None = None, db_url: str | None = None,
               observed_at: datetime | None = None, warc_dir: str | os.PathLike | None = None,
               jobdir: str | os.PathLike | None = None, spool_dir: str | os.PathLike | None = None,
               progress_file: str | os.PathLike | None = None, drain_wait: float = 30.0,
               settings: dict | None = None) -> RunOutcome:
    """Crawl target ``key`` once (see the module docstring). Never raises for a refused or
    failed run: the outcome says what happened."""
    from crawler.pipeline import BuyerKeyMissing, buyer_key_from_env
    from crawler.targets import AuthorisationExpired, TargetsError, load_targets
    from storage import Store
    from storage.drainer import BackgroundDrainer
    from storage.spool import Spool

    observed_at = (observed_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    out = RunOutcome(site=key, status="refused", observed_at=observed_at.isoformat())
    state = _load_state(jobdir)
    try:
        tf = load_targets(targets_path)
        target = tf.get(key)
        if state:                                  # resuming: same run, same crawl clock
            observed_at = datetime.fromisoformat(state["observed_at"])
            out.observed_at = observed_at.isoformat()
            if not state.get("stopped_cleanly"):     # killed: Scrapy's JOBDIR state cannot be trusted
                _reset_scrapy_state(jobdir)
        check_authorisation(target, observed_at)
        buyer_key_from_env((settings or {}).get("VIGIE_BUYER_KEY_ENV"))
    except (TargetsError, AuthorisationExpired, BuyerKeyMissing) as exc:
        out.reason = f"refused: {exc}"
        return out

    store = Store(db_url)
    spool_root = Path(spool_dir or os.environ.get("VIGIE_SPOOL_DIR") or DEFAULT_SPOOL_DIR) / key
    run_key = state["run_key"] if state else uuid.uuid4().hex
    spool = Spool(spool_root / f"{run_key}.jsonl")
    out.run_key, out.spool_path = run_key, str(spool.path)
    targets_ref = f"{Path(targets_path or os.environ.get('VIGIE_TARGETS') or 'targets.toml')}#{key}"
    try:
        out.run_id = _start(store, spool, spool_root, key, target.spider, observed_at, targets_ref, run_key)
    except Refused as exc:
        out.reason = f"refused: {exc}"
        spool.path.unlink(missing_ok=True)
        return out
    _save_state(jobdir, run_key, observed_at)
    progress = ProgressFile(progress_file, out)
    progress.write(state="crawling")

    crawler = None
    drainer = BackgroundDrainer(spool.path, store.url)     # the database's work off the crawl's CPU
    try:
        drainer.start()
        drain_mode = "background"
    except OSError as exc:                                 # no process to spare: the pipeline drains
        logger.warning("spool drainer could not start (%s): the pipeline writes to the database itself", exc)
        drain_mode = "inline"
    try:
        crawler = _crawl(target, tf, observed_at, store.url, spool, run_key, warc_dir, jobdir, progress,
                         {"VIGIE_DRAIN": drain_mode, **(settings or {})})
        stats = crawler.stats.get_stats() or {}
        finish = stats.get("finish_reason") or getattr(crawler, "vigie_finish_reason", None)
        lost = dict(getattr(getattr(crawler, "lost_pages", None), "lost", {}))
        unrendered = sum(v for k, v in stats.items() if k.endswith("/render_gave_up") and isinstance(v, int))
        out.status, out.reason = decide_status(finish, lost, stats.get("spider_exceptions/count", 0) or 0,
                                               unrendered, _items(stats))
        out.missing = sorted(lost)
        out.warc_files = _warc_files(crawler, warc_dir)
        _fill_counts(out, stats)
        interrupted = finish == "shutdown" and jobdir is not None
    except Exception as exc:  # noqa: BLE001 - any crash ends the run as failed, with its reason
        logger.exception("crawl of %s crashed", key)
        out.status, out.reason = "failed", f"failed: {exc.__class__.__name__}: {exc}"
        interrupted = False
    EARLY_SHUTDOWN.finishing()
    drained = drainer.stop(timeout=max(drain_wait, 10.0))
    if drained.get("failed"):
        out.stats["vigie/db/drain_failed"] = out.stats.get("vigie/db/drain_failed", 0) + drained["failed"]
    if interrupted:
        out.reason = (out.reason or "") + "; left running for resume with the same --jobdir"
        _save_state(jobdir, run_key, observed_at, stopped_cleanly=True)
    else:
        spool.finish_run(run_key, out.status, out.reason, out.stats, out.warc_files, out.missing)
        _clear_state(jobdir)
    out.spooled = not _drain(spool, store, drain_wait)
    if not out.spooled:
        for path in (spool.path, *spool.side_files()):
            path.unlink(missing_ok=True)
    if out.run_id is not None and not out.spooled and not interrupted:    # monitors (crawler.monitoring)
        try:
            from crawler.monitoring.monitor import run_monitors
            run_monitors(store, out.run_id, tf.monitoring)
        except Exception:  # noqa: BLE001 - a monitor fault must not change the run's outcome
            logger.exception("monitors of run %s failed", out.run_id)
    progress.write(state="done")
    store.dispose()
    return out


def _start(store, spool, spool_root: Path, site: str, spider: str, observed_at: datetime,
           targets_ref: str, run_key: str) -> int | None:
    """Start the run in the database, after writing the site's leftover spools; when the
    database is unreachable (or leftovers remain), start it in the spool instead."""
    from sqlalchemy.exc import DBAPIError
    from storage import RunOrderError
    leftovers = [p for p in sorted(spool_root.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
                 if p != spool.path]
    try:
        for path in leftovers:
            drain_file(path, store)
        if not any(p.exists() for p in leftovers):
            return store.start_run(site, spider, observed_at, targets_ref, run_key=run_key)
    except RunOrderError as exc:
        raise Refused(str(exc)) from None
    except (DBAPIError, OSError) as exc:
        logger.warning("database unreachable (%s): the run starts in the spool %s", exc.__class__.__name__,
                       spool.path)
    spool.start_run(site, spider, observed_at, targets_ref, run_key=run_key)
    return None


def drain_file(path: Path, store) -> bool:
    """Write one spool file to the database; delete it when all of it is stored. Raises
    the database error when the database is unreachable."""
    from storage.spool import Spool
    spool = Spool(path)
    spool.drain(store)
    if spool.pending():
        return False
    for p in (path, *spool.side_files()):
        p.unlink(missing_ok=True)
    return True


def _drain(spool, store, wait: float) -> bool:
    """Drain the run's spool, retrying for up to ``wait`` seconds. True when all is stored."""
    from sqlalchemy.exc import DBAPIError
    deadline, pause = time.monotonic() + wait, 1.0
    while True:
        try:
            spool.drain(store)
            return not spool.pending()
        except (DBAPIError, OSError) as exc:
            if time.monotonic() + pause > deadline:
                logger.error("database unreachable (%s): the run stays in the spool %s; run `vigie drain`",
                             exc.__class__.__name__, spool.path)
                return False
            time.sleep(pause)
            pause = min(pause * 2, 10.0)


def _crawl(target, tf, observed_at, db_url, spool, run_key, warc_dir, jobdir, progress, extra):
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    from crawler.settings import BASE, build_settings, component_settings

    spider_cls = SpiderLoader(Settings(BASE)).load(target.spider)
    settings = build_settings(target, tf, spider_cls)
    components = component_settings(pipeline=True, warc_dir=str(warc_dir or "warc"))
    settings.update(components)
    settings["DOWNLOADER_MIDDLEWARES"] = {**components.get("DOWNLOADER_MIDDLEWARES", {}),
                                          "crawler.run.LostPages": 10}
    settings.update({
        "VIGIE_DB_URL": db_url, "VIGIE_SPOOL_PATH": str(spool.path), "VIGIE_RUN_KEY": run_key,
        "VIGIE_OBSERVED_AT": observed_at.isoformat(), "CLOSESPIDER_TIMEOUT": target.schedule.time_limit,
        "LOG_LEVEL": os.environ.get("VIGIE_LOG_LEVEL", "WARNING"),
    })
    if jobdir:
        settings["JOBDIR"] = str(jobdir)
    settings.update(extra or {})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)

    def closed(spider, reason):
        crawler.vigie_finish_reason = reason

    crawler.signals.connect(closed, signal=signals.spider_closed)
    progress.attach(crawler)
    EARLY_SHUTDOWN.attach(crawler)
    process.crawl(crawler, target=target, observed_at=observed_at)
    process.start()
    return crawler


def _items(stats: dict) -> int:
    return sum(v for k, v in stats.items() if k.startswith("vigie/items/") and isinstance(v, int))


def _fill_counts(out: RunOutcome, stats: dict) -> None:
    out.pages = int(stats.get("response_received_count", 0) or 0)
    out.items = _items(stats)
    out.quarantined = int(stats.get("vigie/quarantined", 0) or 0)
    out.stats = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in stats.items()
                 if isinstance(v, (int, float, str, datetime))}


def _warc_files(crawler, warc_dir) -> list:
    """The run's WARC files with their SHA-256, as the WARC component reports them."""
    from crawler import warc
    return list(warc.run_warc_files(crawler))


# ------------------------------------------------------------------ progress and resume state
class ProgressFile:
    """A small JSON file the parent polls: pages, items, quarantined, state (atomic writes)."""

    def __init__(self, path, outcome: RunOutcome):
        self.path = Path(path) if path else None
        self.outcome = outcome
        self.crawler = None

    def attach(self, crawler) -> None:
        if self.path is None:
            return
        from scrapy import signals
        self.crawler = crawler
        crawler.signals.connect(self._start_loop, signal=signals.engine_started)
        crawler.signals.connect(self._stop_loop, signal=signals.engine_stopped)

    def _start_loop(self) -> None:
        from twisted.internet import task        # not before: it would install the default reactor
        self._loop = task.LoopingCall(self.write)
        self._loop.start(0.5, now=True)

    def _stop_loop(self) -> None:
        if getattr(self, "_loop", None) is not None and self._loop.running:
            self._loop.stop()

    def write(self, state: str = "crawling") -> None:
        if self.path is None:
            return
        data = {"site": self.outcome.site, "run_key": self.outcome.run_key, "run_id": self.outcome.run_id,
                "state": state, "pid": os.getpid()}
        if self.crawler is not None and getattr(self.crawler, "_stats", None) is not None:
            stats = self.crawler.stats.get_stats() or {}
            data.update(pages=int(stats.get("response_received_count", 0) or 0), items=_items(stats),
                        quarantined=int(stats.get("vigie/quarantined", 0) or 0))
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)


def _load_state(jobdir) -> dict | None:
    if not jobdir or not (Path(jobdir) / RUN_STATE).exists():
        return None
    return json.loads((Path(jobdir) / RUN_STATE).read_text(encoding="utf-8"))


def _save_state(jobdir, run_key: str, observed_at: datetime, stopped_cleanly: bool = False) -> None:
    """The run being crawled in ``jobdir``; ``stopped_cleanly`` once Scrapy has stopped
    gracefully and saved a consistent queue (until then, a resume starts the crawl over)."""
    if jobdir:
        Path(jobdir).mkdir(parents=True, exist_ok=True)
        state = {"run_key": run_key, "observed_at": observed_at.isoformat(), "stopped_cleanly": stopped_cleanly}
        tmp = Path(jobdir) / (RUN_STATE + ".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, Path(jobdir) / RUN_STATE)


def _reset_scrapy_state(jobdir) -> None:
    """Remove Scrapy's queue, seen-requests file and spider state, keeping the run state."""
    for path in Path(jobdir).iterdir():
        if path.name == RUN_STATE:
            continue
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _clear_state(jobdir) -> None:
    """A finished run leaves nothing to resume (a stale JOBDIR would filter every request)."""
    if jobdir and Path(jobdir).exists():
        shutil.rmtree(jobdir)


# ------------------------------------------------------------------ child entry point
def parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class EarlyShutdown:
    """SIGTERM / SIGINT received before Scrapy's own handlers are in place (imports, schema,
    start of the run: the first second or so of a crawl process) are held instead of
    ending the process there, with its run left ``running`` in the database. Once the
    engine has started, the held signal is sent again, to Scrapy's handler: the crawl then
    stops gracefully and its run is recorded as interrupted (``partial``; with a JOBDIR,
    kept for resume), exactly as a crawl stopped later. A second signal before then ends
    the process at once (the run stays ``running``, as after SIGKILL).

    After the crawl (``finishing()``: Scrapy has stopped and restored the default handlers)
    a signal is held the same way while the run is recorded (drain, outcome, monitors; at
    most ``--drain-wait`` seconds), so the process still exits with its run's code."""

    SIGNALS = ("SIGTERM", "SIGINT")

    def __init__(self) -> None:
        self.held: int | None = None
        self.installed = False
        self.finished_crawl = False

    def install(self) -> None:
        import signal
        for name in self.SIGNALS:
            signal.signal(getattr(signal, name), self._hold)
        self.installed = True

    def finishing(self) -> None:
        """The crawl is over: hold signals again while the run is recorded (only where
        ``install`` was called: ``python -m crawler.run``)."""
        if self.installed:
            self.held, self.finished_crawl = None, True
            self.install()

    def _hold(self, signum, frame) -> None:
        import signal
        if self.held is not None:                 # asked twice: stop now
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self.held = signum
        if self.finished_crawl:
            logger.warning("%s after the crawl: the run is recorded first", signal.Signals(signum).name)
        else:
            logger.warning("%s before the crawl started: the crawl stops as soon as it has started",
                           signal.Signals(signum).name)

    def attach(self, crawler) -> None:
        from scrapy import signals
        crawler.signals.connect(self._release, signal=signals.engine_started)

    def _release(self) -> None:
        import signal
        if self.held is None:
            return
        from twisted.internet import reactor
        if signal.getsignal(self.held) == self._hold:     # Scrapy's handler not installed yet
            reactor.callLater(0.05, self._release)
            return
        signum, self.held = self.held, None
        os.kill(os.getpid(), signum)


EARLY_SHUTDOWN = EarlyShutdown()


def exit_with_parent(poll: float = 0.5) -> None:
    """Send this process one SIGTERM when the process that launched it dies (a scheduler or
    ``vigie crawl`` killed with SIGKILL): the crawl then stops gracefully and records its
    run (``partial``, interrupted) instead of running on as an orphan while its site's
    lease names a dead process (``schedules.lease`` takes such a lease over).  A watcher
    thread, not the kernel's parent-death signal: that one fires once per thread of a
    multi-threaded parent, and a second SIGTERM makes Scrapy stop uncleanly."""
    import signal
    import threading
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    EARLY_SHUTDOWN.install()
    exit_with_parent()
    ap = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("key")
    ap.add_argument("--targets")
    ap.add_argument("--db")
    ap.add_argument("--now", help="crawl clock, ISO 8601 (UTC when no zone)")
    ap.add_argument("--warc-dir")
    ap.add_argument("--jobdir")
    ap.add_argument("--spool-dir")
    ap.add_argument("--progress-file")
    ap.add_argument("--result-file")
    ap.add_argument("--drain-wait", type=float, default=float(os.environ.get("VIGIE_DRAIN_WAIT", 30)),
                    help="seconds to wait for an unreachable database at the end (VIGIE_DRAIN_WAIT, 30)")
    args = ap.parse_args(argv)
    out = run_target(args.key, args.targets, args.db, parse_now(args.now), args.warc_dir, args.jobdir,
                     args.spool_dir, args.progress_file, args.drain_wait)
    if args.result_file:
        Path(args.result_file).write_text(json.dumps(asdict(out), default=str), encoding="utf-8")
    print(f"{out.site}: {out.status}" + (f" ({out.reason})" if out.reason else ""), file=sys.stderr)
    return out.exit_code


if __name__ == "__main__":
    sys.exit(main())
