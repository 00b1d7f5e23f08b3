"""A drainer process: writes a run's spool to the database while the crawl goes on.

The crawl process appends each batch to its spool file (durable once appended, see
``storage.spool``); ``BackgroundDrainer`` runs ``python -m storage.drainer`` beside it,
which drains the spool into the database whenever the file grows.  The database's work
(SQLAlchemy, upserts with validity intervals, a PostgreSQL round trip per statement) then
runs on another CPU and never holds up the crawl's event loop, not even while the
database is unreachable (the drainer backs off, 1 s doubling to 30 s, and the batches wait
in the spool).

The database URL goes to the child on its standard input (never on its command line,
where ``ps`` would show a password); the child drains until its standard input closes,
drains once more and prints one JSON line of counts.  When the crawl process dies, the
pipe closes and the child does the same.  Whatever it did not write stays in the spool for
the run's final drain, ``vigie drain`` or the next run of the site: a drainer that is
stopped, killed or crashes loses nothing.
"""
from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2                 # how often the child looks at the spool's size
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0


class BackgroundDrainer:
    """Parent side: ``start()``, then ``stop()`` once the crawl has ended; ``stop`` returns
    the child's counts: ``{"drains", "items", "failed", "last_error"}``."""

    def __init__(self, spool_path: str | os.PathLike, db_url: str):
        self.spool_path, self.db_url = str(spool_path), db_url
        self.proc: subprocess.Popen | None = None

    def start(self) -> BackgroundDrainer:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_project_root(),
                                                                          os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "storage.drainer", self.spool_path], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env=env,
            start_new_session=True)        # Ctrl-C on the crawl does not cut a drain in half
        self.proc.stdin.write(self.db_url + "\n")
        self.proc.stdin.flush()
        return self

    def stop(self, timeout: float = 60.0) -> dict:
        """Close the child's input (it drains once more and exits); past ``timeout`` it is
        terminated (the spool keeps what it had not written)."""
        proc = self.proc
        if proc is None:
            return {}
        self.proc = None
        try:
            out, _ = proc.communicate(timeout=timeout)          # closes the child's input first
        except subprocess.TimeoutExpired:
            logger.warning("spool drainer still busy after %.0f s: stopped; the run's final drain goes on", timeout)
            proc.terminate()
            try:
                out, _ = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
        lines = [line for line in (out or "").splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            logger.warning("spool drainer exited with code %s; the run's final drain writes the rest",
                           proc.returncode)
            return {"failed": 0, "exit_code": proc.returncode}
        return json.loads(lines[-1])


def _project_root() -> str:
    return str(Path(__file__).resolve().parents[1])


# ------------------------------------------------------------------ the child
class _Counts:
    def __init__(self):
        self.drains = self.items = self.failed = 0
        self.last_error: str | None = None


def _drain_once(spool, store, counts: _Counts) -> bool:
    from sqlalchemy.exc import DBAPIError
    try:
        report = spool.drain(store)
    except (DBAPIError, OSError) as exc:
        counts.failed += 1
        counts.last_error = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}"
        logger.warning("database unreachable, batches kept in the spool %s (%s)", spool.path, counts.last_error)
        return False
    counts.drains += 1
    counts.items += report.items
    return True


def run(spool_path: str, db_url: str, stdin=None) -> _Counts:
    """Drain ``spool_path`` into ``db_url`` each time it grows, until ``stdin`` closes."""
    from storage import Store
    from storage.spool import Spool
    stdin = stdin or sys.stdin
    spool, store, counts = Spool(spool_path), Store(db_url), _Counts()
    watch = selectors.DefaultSelector()
    watch.register(stdin, selectors.EVENT_READ)
    drained_size, next_try, backoff = -1, 0.0, BACKOFF_FIRST
    try:
        while True:
            closed = any(not stdin.readline() for _ in watch.select(POLL_SECONDS))
            size = spool.path.stat().st_size if spool.path.exists() else 0
            if closed:
                _drain_once(spool, store, counts)
                return counts
            if size != drained_size and time.monotonic() >= next_try:
                if _drain_once(spool, store, counts):
                    drained_size, backoff, next_try = size, BACKOFF_FIRST, 0.0
                else:
                    next_try, backoff = time.monotonic() + backoff, min(backoff * 2, BACKOFF_MAX)
    finally:
        store.dispose()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=os.environ.get("VIGIE_LOG_LEVEL", "WARNING"), stream=sys.stderr,
                        format="%(asctime)s [vigie drainer] %(levelname)s: %(message)s")
    db_url = sys.stdin.readline().strip()
    if len(argv) != 1 or not db_url:
        print("usage: python -m storage.drainer SPOOL_PATH  (database URL on the first line of stdin)",
              file=sys.stderr)
        return 2
    counts = run(argv[0], db_url)
    print(json.dumps({"drains": counts.drains, "items": counts.items, "failed": counts.failed,
                      "last_error": counts.last_error}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
