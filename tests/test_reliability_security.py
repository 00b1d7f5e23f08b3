"""Security: an expired, missing or not-yet-valid authorisation refuses to crawl (exit code
4, no request sent, nothing recorded); credentials and keys never reach the logs, the WARC
files, the database, the report or the exports (every output file is searched for them);
crawled text is escaped in the HTML report; Scrapy's remote-control server is off.

(The reader role's read-only rights on PostgreSQL: tests/test_storage_readers.py; the
off-scope canary: tests/test_scope.py.)
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from mock_sites.server import serve_apps
from storage import Store
from tests.reliability_support import child_env, crawl_clock, record_figures, run_crawl, serve_site, targets_text
from tests.test_crawl_support import query
from tests.test_storage_support import store_url  # noqa: F401 - fixture

pytestmark = pytest.mark.reliability

BUYER_KEY = "buyer-key-" + uuid.uuid4().hex            # VIGIE_BUYER_KEY of these runs
PSEUDONYM_KEY = "pseudonym-key-" + uuid.uuid4().hex    # the export's pseudonymisation key
DB_PASSWORD = "db-password-" + uuid.uuid4().hex        # in the PostgreSQL URL (trust auth ignores it)


def vigie(*args, env: dict, cwd: Path, log: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=child_env(env), timeout=600)
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"$ vigie {args[0]}\n{proc.stdout}\n{proc.stderr}\n")     # the output only: args hold the URL
    return proc


# ------------------------------------------------------------------ authorisation
@pytest.mark.parametrize("case", ["expired", "missing", "not-yet-valid", "expired-on-the-crawl-day"])
def test_without_a_valid_authorisation_nothing_is_crawled_or_recorded(case, tmp_path):
    hits = []

    async def site(scope, receive, send):             # counts every request, robots.txt included
        hits.append(scope.get("path"))
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with serve_apps({"bazaar": site}) as urls:
        text = targets_text(urls)
        today = date.today()
        now = None
        if case == "expired":
            text = text.replace("expires = 2099-12-31", f"expires = {today - timedelta(days=1)}")
        elif case == "missing":
            start = text.index("[target.authorisation]")
            text = text[:start] + text[text.index("[target.politeness]"):]
        elif case == "not-yet-valid":
            text = text.replace("expires = 2099-12-31", f"expires = 2099-12-31\nstarts = {today + timedelta(days=3)}")
        else:                                      # valid today, not on the day the crawl clock says
            text = text.replace("expires = 2099-12-31", f"expires = {today + timedelta(days=3)}")
            now = f"{today + timedelta(days=10)}T12:00:00+00:00"
        (tmp_path / "targets.toml").write_text(text)
        db = f"sqlite:///{tmp_path / 'vigie.db'}"
        args = ["crawl", "bazaar", "--targets", "targets.toml", "--db", db, "--json", "--warc-dir", "warc",
                "--spool-dir", "spool"] + (["--now", now] if now else [])
        proc = vigie(*args, env={"VIGIE_BUYER_KEY": BUYER_KEY}, cwd=tmp_path, log=tmp_path / "log")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    (result,) = json.loads(proc.stdout)
    words = {"expired": "expired on", "missing": "authorisation", "not-yet-valid": "starts on",
             "expired-on-the-crawl-day": "expired on"}[case]
    assert result["status"] == "refused" and words in result["reason"], result["reason"]
    assert hits == []                                                  # not even robots.txt
    engine = sa.create_engine(db)
    assert query(engine, "SELECT count(*) FROM crawl_runs") == [(0,)]
    engine.dispose()
    assert not list(tmp_path.glob("warc/**/*.warc.gz")) and not list(tmp_path.glob("spool/**/*.jsonl"))
    record_figures(f"refused-{case}", {"exit_code": proc.returncode, "requests_to_site": len(hits),
                                       "runs_recorded": 0, "reason": result["reason"]})


# ------------------------------------------------------------------ secrets in every output
class CookieJarWatcher:
    """Wraps the vault app: keeps every session cookie value it hands out."""

    def __init__(self, app):
        self.app, self.values = app, set()

    async def __call__(self, scope, receive, send):
        async def watch(message):
            if message["type"] == "http.response.start":
                for name, value in message.get("headers", []):
                    if name.lower() == b"set-cookie":
                        self.values.add(value.decode("latin-1").split(";", 1)[0].split("=", 1)[1])
            await send(message)
        await self.app(scope, receive, watch)


def output_texts(root: Path):
    """(file, bytes) of every file under ``root``; WARC files gunzipped (every member)."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        yield path, data


@pytest.fixture
def secret_db(store_url):  # noqa: F811 - the fixture imported above
    """The run's database (tests.test_storage_support: a SQLite file or a PostgreSQL schema of
    its own); on PostgreSQL its URL carries a password (trust auth ignores it), which must not leak."""
    if store_url.startswith("sqlite"):
        return store_url
    return sa.make_url(store_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)


def test_credentials_and_keys_appear_in_no_output(secret_db, world_config, world, tmp_path):
    """Crawl the login site (vault) with debug logging, compute the indicators, write the
    report and both exports (pseudonymised), then search every file written — logs, WARC
    records, spool, database file, report, CSV, Parquet — for each secret."""
    from mock_sites.server import build_site_app
    from mock_sites.sites.common import Clock, SiteContext
    out = tmp_path / "out"
    out.mkdir()
    password = world_config.vault_password
    env = {"VIGIE_BUYER_KEY": BUYER_KEY, "VIGIE_PSEUDONYM_KEY": PSEUDONYM_KEY, "VIGIE_LOG_LEVEL": "DEBUG",
           "VIGIE_VAULT_USER": world_config.vault_username, "VIGIE_VAULT_PASSWORD": password}
    Store(secret_db).upgrade()
    day = 2
    vault = CookieJarWatcher(build_site_app("vault", SiteContext(site="vault", world=world, clock=Clock(day),
                                                                  config=world_config)))
    with serve_apps({"vault": vault}) as urls:
        (out / "targets.toml").write_text(targets_text(urls, credentials=True))
        result = run_crawl("vault", out / "targets.toml", secret_db, crawl_clock(world_config, day), out, env=env,
                           log=out / "crawl.log")
    assert result["status"] == "complete" and result["items"] > 0, result["reason"]
    assert vault.values, "the vault handed out no session cookie"
    log = out / "commands.log"
    for args in (["indicators", "--db", secret_db], ["report", "--db", secret_db, "--out", "report"],
                 ["export", "--db", secret_db, "--out", "export-csv", "--format", "csv", "--pseudonymise-vendors"],
                 ["export", "--db", secret_db, "--out", "export-parquet", "--pseudonymise-vendors"]):
        proc = vigie(*args, env=env, cwd=out, log=log)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "report" / "index.html").exists() and list((out / "export-parquet").glob("*.parquet"))

    secrets = {"vault password": password, "buyer-hash key": BUYER_KEY, "pseudonym key": PSEUDONYM_KEY,
               **{f"session cookie {i}": v for i, v in enumerate(sorted(vault.values))}}
    if secret_db.startswith("postgresql"):
        secrets["database password"] = DB_PASSWORD
    files = list(output_texts(tmp_path))                   # out/ and the SQLite database file
    kinds = {p.relative_to(out).parts[0] for p, _ in files if out in p.parents}
    assert {"crawl.log", "commands.log", "warc", "report", "export-csv", "export-parquet"} <= kinds
    assert secret_db.startswith("postgresql") or any(p.name == "vigie.db" for p, _ in files)
    found = [(name, str(p.relative_to(tmp_path))) for p, data in files for name, secret in secrets.items()
             if secret.encode() in data]
    assert found == []
    # buyer pseudonyms: in no log, database, report or export (the WARC archive keeps the
    # pages as served, docs/crawling.md); names of 6+ letters so that a chance match is unlikely
    buyers = sorted({f.buyer for f in world.day_view(day).feedback if f.site == "vault" and len(f.buyer) >= 6})
    assert len(buyers) >= 5
    clear = [(b, str(p.relative_to(tmp_path))) for p, data in files if not p.name.endswith(".warc.gz")
             for b in buyers if b.encode() in data]
    assert clear == []
    assert any(b.encode() in data for p, data in files if p.name.endswith(".warc.gz") for b in buyers)
    # and the archive does hold the pages (the search did read them): the vendor pages are there
    warc = b"".join(data for p, data in files if p.name.endswith(".warc.gz"))
    assert b"vendeur" in warc and b"[redacted]" in warc
    record_figures(f"secrets-{secret_db.split(':')[0].split('+')[0]}", {
        "files_searched": len(files), "bytes_searched": sum(len(d) for _, d in files),
        "secrets": sorted(secrets), "hits": len(found)})


# ------------------------------------------------------------------ HTML output
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"\'&'


def test_crawled_text_in_every_report_table_is_escaped(world, tmp_path):
    """Every text column of every indicator table holds a hostile string: the report shows
    it as text (escaped) and gains no element, script or attribute from it."""
    from html.parser import HTMLParser

    from crawler.indicators import compute_all
    from crawler.indicators.from_truth import inputs_from_world
    from crawler.report import build_report
    clean = compute_all(inputs_from_world(world, sites=("bazaar", "nocturne", "vault", "feed")))
    hostile, n_cells = {}, 0
    for name, frame in clean.items():
        frame = frame.copy()
        for col in frame.columns:
            if any(isinstance(v, str) for v in frame[col]):
                frame[col] = [HOSTILE if isinstance(v, str) else v for v in frame[col]]
                n_cells += int(sum(v == HOSTILE for v in frame[col]))
        hostile[name] = frame

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.attrs = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.attrs += [a for a, _ in attrs]

    def parse(path):
        p = Tags()
        p.feed(path.read_text(encoding="utf-8"))
        return p

    a = build_report(clean, tmp_path / "clean", meta={"title": "clean", "generated": "-"})
    b = build_report(hostile, tmp_path / "hostile", meta={"title": "hostile", "generated": "-"})
    html = b.read_text(encoding="utf-8")
    assert n_cells > 0 and html.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") >= 1
    assert "<script>window.__pwned" not in html and '<img src=x onerror="window.__pwned' not in html
    clean_tags, hostile_tags = parse(a), parse(b)
    assert hostile_tags.tags.count("script") == clean_tags.tags.count("script")
    assert hostile_tags.tags.count("img") == clean_tags.tags.count("img") == 0
    assert "onerror" not in hostile_tags.attrs
    record_figures("report-escaping", {"hostile_cells": n_cells,
                                       "escaped_in_html": html.count("&lt;script&gt;window.__pwned=1"),
                                       "script_tags": [clean_tags.tags.count("script"), hostile_tags.tags.count("script")]})


def test_scrapy_remote_control_server_is_off(world_config, world, tmp_path):
    """Scrapy ≥ 2.19 runs, in every crawl, an HTTP server that executes Python code sent to
    it (token in the user's home directory).  A crawl run must not start it."""
    from crawler.settings import BASE
    assert BASE["REMOTE_CONTROL_ENABLED"] is False
    db = f"sqlite:///{tmp_path / 'vigie.db'}"
    Store(db).upgrade()
    with serve_site(world_config, world, "feed", 2) as (url, _, _, _):
        (tmp_path / "targets.toml").write_text(targets_text({"feed": url}))
        result = run_crawl("feed", tmp_path / "targets.toml", db, crawl_clock(world_config, 2), tmp_path,
                           env={"VIGIE_LOG_LEVEL": "INFO"}, log=tmp_path / "crawl.log")
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8", errors="replace")
    assert result["status"] == "complete" and "Spider opened" in log
    assert "Remote control" not in log and "remote_control" not in log
