"""A durable local spool: what the pipeline writes first, drained to the database later.

Format: JSON lines (one operation per line: ``start_run``, ``items``, ``quarantine``,
``finish_run``), appended under an exclusive lock, flushed and fsync'ed before the call
returns. A sidecar ``<path>.done`` holds the byte offset up to which the spool has been
written to the database (replaced atomically after each operation is stored).

Two locks: appends take ``<path>.lock`` for the moment of one write; drains take
``<path>.drain.lock`` for as long as they write to the database (one drain at a time), and
the append lock only to empty the file at the end.  So a crawl appends while a drainer
process writes earlier batches to the database (``storage.drainer``): a slow database
never holds up the crawl.  A drain reads only whole lines, so an append in progress is
not seen until it is complete.

Crash safety: an append torn by a crash is an unacknowledged line with no newline; it is
cut off before the next append and never read. A crash during ``drain`` leaves the offset
before the operation being written; the next drain replays it, and the Store's upserts
make the replay add nothing.
"""
from __future__ import annotations

import fcntl
import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy.exc import DBAPIError

from storage.store import Store, utc


@dataclass
class DrainReport:
    operations: int = 0
    items: int = 0
    pending: int = 0          # operations still pending (0 when the drain completed)


def _dump(obj) -> dict:
    return obj.model_dump(mode="json") if hasattr(obj, "model_dump") else dict(obj)


class Spool:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.done_path = self.path.with_name(self.path.name + ".done")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.drain_lock_path = self.path.with_name(self.path.name + ".drain.lock")
        self.path.touch(exist_ok=True)

    def side_files(self) -> list[Path]:
        """The files that go with the spool (done offset, locks)."""
        return [self.done_path, self.lock_path, self.drain_lock_path]

    # ------------------------------------------------------------ writing (the pipeline)
    def start_run(self, site: str, spider: str, observed_at: datetime, targets_ref: str | None = None,
                  run_key: str | None = None) -> str:
        """Spool the start of a run; returns its ``run_key`` (use it for the other calls)."""
        run_key = run_key or uuid.uuid4().hex
        self._append([{"op": "start_run", "run": run_key, "site": site, "spider": spider,
                       "observed_at": utc(observed_at).isoformat(), "targets_ref": targets_ref}])
        return run_key

    def write_items(self, run: int | str, items: Iterable) -> int:
        """Spool one batch of items (durable when this returns). ``run``: a run_key from
        ``start_run`` or a ``run_id`` already in the database."""
        batch = [_dump(i) for i in items]
        if batch:
            self._append([{"op": "items", "run": run, "items": batch}])
        return len(batch)

    def write_quarantine(self, run: int | str, quarantined: Iterable) -> int:
        batch = [_dump(q) for q in quarantined]
        if batch:
            self._append([{"op": "quarantine", "run": run, "items": batch}])
        return len(batch)

    def finish_run(self, run: int | str, status: str, reason: str | None = None, stats: dict | None = None,
                   warc_files: Iterable = (), missing: Iterable[str] = ()) -> None:
        self._append([{"op": "finish_run", "run": run, "status": status, "reason": reason,
                       "stats": stats or {}, "warc_files": list(warc_files), "missing": list(missing)}])

    # ------------------------------------------------------------ draining
    def pending(self) -> list[dict]:
        with self._locked(self.drain_lock_path):
            return [op for _, op in self._read_pending()]

    def drain(self, store: Store) -> DrainReport:
        """Write every pending operation to ``store`` in order, marking each done once
        stored. Raises the database error if the database fails (the rest stays pending).
        Appends go on meanwhile; what they add after the drain has read past is left for
        the next drain."""
        report = DrainReport()
        with self._locked(self.drain_lock_path):
            for end, op in self._read_pending():
                report.items += self._apply(store, op)
                report.operations += 1
                self._set_done(end)
            with self._locked():
                self._compact()
        return report

    def try_drain(self, store: Store) -> DrainReport:
        """``drain``, but a database that is unreachable is not an error: what could not be
        written stays pending (``report.pending``)."""
        try:
            return self.drain(store)
        except (DBAPIError, OSError):
            return DrainReport(pending=len(self.pending()))

    @staticmethod
    def _apply(store: Store, op: dict) -> int:
        kind, run = op["op"], op["run"]
        if kind == "start_run":
            store.start_run(op["site"], op["spider"], datetime.fromisoformat(op["observed_at"]),
                            op.get("targets_ref"), run_key=run)
            return 0
        if kind == "items":
            return store.write_items(run, op["items"]).items
        if kind == "quarantine":
            store.write_quarantine(run, op["items"])
            return len(op["items"])
        if kind == "finish_run":
            store.finish_run(run, op["status"], op.get("reason"), op.get("stats"),
                             [tuple(w) if isinstance(w, list) else w for w in op.get("warc_files", [])],
                             op.get("missing", []))
            return 0
        raise ValueError(f"unknown spool operation {kind!r}")

    # ------------------------------------------------------------ file mechanics
    @contextmanager
    def _locked(self, path: Path | None = None) -> Iterator[None]:
        """Hold an exclusive lock: the append lock, or ``path`` (the drain lock)."""
        with open(path or self.lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _append(self, ops: list[dict]) -> None:
        data = "".join(json.dumps(op, ensure_ascii=False, separators=(",", ":")) + "\n" for op in ops)
        with self._locked():
            with open(self.path, "r+b") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                valid = self._valid_length(fh, size)
                if valid != size:              # a torn, unacknowledged append: drop it
                    fh.truncate(valid)
                    fh.seek(valid)
                fh.write(data.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())

    @staticmethod
    def _valid_length(fh, size: int) -> int:
        """Length of the file up to and including its last newline."""
        pos = size
        while pos > 0:
            step = min(65536, pos)
            fh.seek(pos - step)
            chunk = fh.read(step)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                return pos - step + idx + 1
            pos -= step
        return 0

    def _done_offset(self) -> int:
        try:
            return int(self.done_path.read_text().strip() or 0)
        except FileNotFoundError:
            return 0

    def _set_done(self, offset: int) -> None:
        tmp = self.done_path.with_name(self.done_path.name + ".tmp")
        with open(tmp, "w") as fh:
            fh.write(str(offset))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.done_path)
        _fsync_dir(self.done_path.parent)

    def _read_pending(self) -> Iterator[tuple[int, dict]]:
        """(end offset, operation) for each complete line after the done offset."""
        offset = self._done_offset()
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            for line in fh:
                if not line.endswith(b"\n"):
                    break                      # torn tail: never acknowledged
                offset += len(line)
                yield offset, json.loads(line)

    def _compact(self) -> None:
        """Everything stored: empty the spool (under both locks: no append can come in
        between). Offset first (a crash in between only means an idempotent replay of the
        whole file)."""
        size = self.path.stat().st_size
        if size and self._done_offset() >= size:
            self._set_done(0)
            with open(self.path, "r+b") as fh:
                fh.truncate(0)
                os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
