"""Raw-page evidence: every response of a run archived in WARC files (warcio), with SHA-256.

``WarcMiddleware`` (downloader middleware, priority 950, next to the downloader) writes,
for every response as it was received (before decompression, after retries are decided):

- a ``request`` record (method, URL, headers — ``Cookie``/``Authorization`` redacted, no
  body: a login form's password never reaches the archive) and
- a ``response`` record (status line, headers — ``Set-Cookie`` redacted — and the body),
  ``WARC-Concurrent-To`` the request record;
- for a browser-rendered page (scrapy-playwright), a ``resource`` record holding the
  rendered DOM (``text/html``) — what the spider parsed — and a ``response`` record for
  every network response the page received (document, scripts, JSON API calls), through
  ``crawler.browser``'s archiver hook.

The record that holds what the spider parsed is put in ``response.meta["vigie_warc"]``
(``{"record_id", "file", "sha256"}``); ``spiders.base.VigieSpider.provenance`` copies it
into every item, so every stored observation names its WARC file, record ID and the
SHA-256 (hex) of the record's payload.  ``WARC-Payload-Digest`` is that SHA-256 in the
WARC convention (``sha256:`` + base32).

Files: ``<VIGIE_WARC_DIR>/<site>/<site>-<YYYYMMDD>-<run key>-<n>.warc.gz`` (gzip per
record, flushed after each record so a killed process leaves whole records; a new file
after ``VIGIE_WARC_MAX_BYTES``, 1 GiB).  Each starts with a ``warcinfo`` record (software,
operator, target, authorisation reference).  At the end of the run the files and their
SHA-256 go to the run's row (``run_warc_files``).

``verify(engine)`` (``vigie warc verify``) reads the archives back and checks every
stored observation against them.
"""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import browser

logger = logging.getLogger(__name__)

META_KEY = "vigie_warc"
REDACTED_HEADERS = {"cookie", "set-cookie", "authorization", "proxy-authorization"}
DROPPED_HEADERS = {"transfer-encoding"}      # bodies are stored de-chunked
DEFAULT_MAX_BYTES = 2**30
SOFTWARE = "Vigie (authorised research crawler; warcio)"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def warc_digest(hex_digest: str) -> str:
    return "sha256:" + base64.b32encode(bytes.fromhex(hex_digest)).decode("ascii")


def _headers(pairs, drop=DROPPED_HEADERS) -> list[tuple[str, str]]:
    out = []
    for name, value in pairs:
        lname = name.lower()
        if lname in drop:
            continue
        out.append((name, "[redacted]" if lname in REDACTED_HEADERS else value))
    return out


def _scrapy_headers(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in headers.items() for v in vs]


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class _HashingFile(io.RawIOBase):
    """A file that hashes what is written to it (the file's SHA-256 without reading it back)."""

    def __init__(self, path: Path):
        self.fh = open(path, "ab")
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.fh.write(data)

    def flush(self) -> None:
        if not self.fh.closed:
            self.fh.flush()

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
        super().close()


@dataclass
class WarcArchive:
    """The WARC files of one run."""
    directory: Path
    prefix: str
    info: dict = field(default_factory=dict)
    max_bytes: int = DEFAULT_MAX_BYTES
    files: list[tuple[str, str]] = field(default_factory=list)   # closed: (path, sha256)
    _out: _HashingFile | None = None
    _writer: WARCWriter | None = None
    _path: Path | None = None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        n = len(self.files)
        while True:
            path = (self.directory / f"{self.prefix}-{n:03d}.warc.gz").resolve()
            if not path.exists():
                break
            n += 1
        self._path, self._out = path, _HashingFile(path)
        self._writer = WARCWriter(self._out, gzip=True)
        record = self._writer.create_warcinfo_record(path.name, {"software": SOFTWARE, **self.info})
        self._writer.write_record(record)

    def _write(self, uri: str, kind: str, body: bytes, http_headers=None, content_type: str = "",
               extra: dict | None = None) -> dict:
        if self._writer is None or self._out.size >= self.max_bytes:
            self.close_file()
            self._open()
        digest = sha256_hex(body)
        headers = {"WARC-Payload-Digest": warc_digest(digest), **(extra or {})}
        record = self._writer.create_warc_record(uri, kind, payload=io.BytesIO(body), length=len(body),
                                                 http_headers=http_headers, warc_content_type=content_type,
                                                 warc_headers_dict=headers)
        self._writer.write_record(record)
        self._out.flush()
        return {"record_id": record.rec_headers.get_header("WARC-Record-ID"), "file": str(self._path),
                "sha256": digest}

    def request(self, method: str, url: str, headers) -> str:
        http = StatusAndHeaders(f"{method} {url} HTTP/1.1", _headers(headers), is_http_request=True)
        return self._write(url, "request", b"", http_headers=http)["record_id"]

    def response(self, url: str, status: int, headers, body: bytes, concurrent_to: str | None = None) -> dict:
        http = StatusAndHeaders(_status_line(status), _headers(headers), protocol="HTTP/1.1")
        extra = {"WARC-Concurrent-To": concurrent_to} if concurrent_to else None
        return self._write(url, "response", body, http_headers=http, extra=extra)

    def resource(self, url: str, body: bytes, content_type: str, note: str) -> dict:
        return self._write(url, "resource", body, content_type=content_type, extra={"WARC-Vigie-Note": note})

    def close_file(self) -> None:
        if self._out is not None:
            self._out.close()
            self.files.append((str(self._path), self._out.sha.hexdigest()))
            self._out = self._writer = self._path = None


class WarcMiddleware:
    """Downloader middleware: archive every response (see the module docstring)."""

    def __init__(self, crawler, directory: Path, max_bytes: int):
        self.crawler = crawler
        self.directory = directory
        self.max_bytes = max_bytes
        self.archive: WarcArchive | None = None
        crawler.vigie_warc_files = []
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        directory = crawler.settings.get("VIGIE_WARC_DIR")
        if not directory:
            raise NotConfigured("VIGIE_WARC_DIR is not set")
        return cls(crawler, Path(directory), crawler.settings.getint("VIGIE_WARC_MAX_BYTES", DEFAULT_MAX_BYTES))

    def spider_opened(self, spider) -> None:
        site = getattr(spider, "site", spider.name)
        run_key = self.crawler.settings.get("VIGIE_RUN_KEY") or datetime.now(timezone.utc).strftime("%H%M%S%f")
        observed = getattr(spider, "observed_at", datetime.now(timezone.utc))
        target = getattr(spider, "target", None)
        info = {"operator": self.crawler.settings.get("USER_AGENT", ""), "target": site,
                "observed-at": observed.isoformat(), "run-key": run_key}
        if target is not None:
            info["authorisation"] = f"{target.authorisation.reference} (owner {target.authorisation.owner})"
        self.archive = WarcArchive(self.directory / site, f"{site}-{observed:%Y%m%d}-{run_key[:12]}", info,
                                   self.max_bytes)
        browser.set_archiver(self.archive_browser_response)

    def spider_closed(self, spider, reason) -> None:
        browser.set_archiver(None)
        if self.archive is not None:
            self.archive.close_file()
            self.crawler.vigie_warc_files = list(self.archive.files)

    def process_response(self, request, response, spider=None):
        if self.archive is None:
            return response
        stats = self.crawler.stats
        if "playwright" in response.flags:
            ref = self.archive.resource(response.url, response.body, "text/html; charset=utf-8",
                                        "DOM rendered by the browser (what the spider parsed)")
            stats.inc_value("vigie/warc/rendered_dom")
        else:
            req_id = self.archive.request(request.method, request.url, _scrapy_headers(request.headers))
            ref = self.archive.response(response.url, response.status, _scrapy_headers(response.headers),
                                        response.body, concurrent_to=req_id)
            stats.inc_value("vigie/warc/responses")
        request.meta[META_KEY] = ref
        return response

    async def archive_browser_response(self, response) -> None:
        """Every network response of a rendered page (document, scripts, API calls)."""
        if self.archive is None or 300 <= response.status < 400:
            return
        body = await response.body()
        headers = [(h["name"], h["value"]) for h in await response.headers_array()]
        self.archive.response(response.url, response.status, headers, body)
        self.crawler.stats.inc_value("vigie/warc/browser_responses")


def run_warc_files(crawler) -> list[tuple[str, str]]:
    """The run's WARC files, (path, sha256), as ``WarcMiddleware`` closed them."""
    return list(getattr(crawler, "vigie_warc_files", []) or [])


# ------------------------------------------------------------------ verification
@dataclass
class VerifyReport:
    files: int = 0
    records: int = 0
    observations: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_payload_digests(path: Path) -> dict[str, str]:
    """record ID → SHA-256 (hex) of the record's payload, for every record of a WARC file."""
    from warcio.archiveiterator import ArchiveIterator
    out = {}
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            out[record.rec_headers.get_header("WARC-Record-ID")] = sha256_hex(record.raw_stream.read())
    return out


EVIDENCE_QUERIES = (   # every table whose rows point to a WARC record
    ("listing_versions", "first_warc_file", "first_warc_record_id", "first_page_sha256"),
    ("listing_versions", "last_warc_file", "last_warc_record_id", "last_page_sha256"),
    ("vendor_versions", "first_warc_file", "first_warc_record_id", "first_page_sha256"),
    ("vendor_versions", "last_warc_file", "last_warc_record_id", "last_page_sha256"),
    ("feedback", "warc_file", "warc_record_id", "page_sha256"),
    ("social_posts", "warc_file", "warc_record_id", "page_sha256"),
    ("quarantine", "warc_file", "warc_record_id", "page_sha256"),
)


def verify(engine, max_problems: int = 50) -> VerifyReport:
    """Check the archive against the database: each run's WARC files exist with the SHA-256
    recorded, and every observation's record exists with the payload SHA-256 it claims."""
    import json

    import sqlalchemy as sa
    report = VerifyReport()
    digests: dict[str, dict[str, str] | None] = {}

    def problem(text: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(text)
        elif len(report.problems) == max_problems:
            report.problems.append("... (more problems not listed)")

    def load(path: str) -> dict[str, str] | None:
        if path not in digests:
            p = Path(path)
            try:
                digests[path] = read_payload_digests(p) if p.is_file() else None
            except Exception as exc:  # noqa: BLE001 - a damaged file is a finding, not a crash
                problem(f"{path}: unreadable WARC ({exc.__class__.__name__}: {exc})")
                digests[path] = {}
            if digests[path] is None:
                problem(f"{path}: WARC file missing")
            else:
                report.files += 1
                report.records += len(digests[path])
        return digests[path]

    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        for run_id, files in conn.execute(sa.text("SELECT run_id, warc_files FROM crawl_runs")):
            files = json.loads(files) if isinstance(files, str) else (files or [])
            for entry in files:
                path, expected = entry.get("file"), entry.get("sha256")
                if load(path) is not None and expected and os.path.isfile(path) and file_sha256(Path(path)) != expected:
                    problem(f"run {run_id}: {path}: file SHA-256 differs from the one recorded")
        for table, f_col, r_col, s_col in EVIDENCE_QUERIES:
            if table not in tables:
                continue
            rows = conn.execute(sa.text(f"SELECT {f_col}, {r_col}, {s_col} FROM {table} "
                                        f"WHERE {r_col} IS NOT NULL"))
            for path, record_id, sha in rows:
                report.observations += 1
                records = load(path)
                if records is None:
                    continue
                if record_id not in records:
                    problem(f"{table}: record {record_id} not in {path}")
                elif records[record_id] != sha:
                    problem(f"{table}: record {record_id} in {path}: payload SHA-256 differs from the database")
    return report
