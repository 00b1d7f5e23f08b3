"""The whole mock world, served on ephemeral loopback ports, shows over real HTTP what the truth
says, and its events and faults happen when configured (issue 2, "Done when").

The served day is changed and the truth read through the admin app (``POST /day``,
``GET /truth?day=N``), as a test harness or an operator would.  Each site is checked from
the outside: counts and a sample of fields for bazaar, vault (logged in with the test
credentials) and feed; for nocturne only that its raw HTML holds no listing and that its
JSON API, called with the token of the page, lists the truth's listings.
"""
from __future__ import annotations

import asyncio
import socket
import time
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from parsel import Selector

from mock_sites.server import serve_world
from mock_sites.world.config import SITES, Faults

for _site in SITES:
    pytest.importorskip(f"mock_sites.sites.{_site}")

TOKEN_HEADER = "X-Nocturne-Token"


class Visitor:
    """An HTTP client of the whole running world: one httpx client per site, plus the admin."""

    def __init__(self, running):
        self.running = running
        self.clients = {site: httpx.Client(base_url=url, timeout=10) for site, url in running.urls.items()}
        self.admin = httpx.Client(base_url=running.admin_url, timeout=30)

    def close(self):
        for client in [*self.clients.values(), self.admin]:
            client.close()

    def set_day(self, day: int) -> dict:
        """Serve ``day`` (admin ``POST /day``) and return its truth (admin ``GET /truth``)."""
        r = self.admin.post("/day", json={"day": day})
        assert r.status_code == 200 and r.json() == {"day": day}
        assert self.admin.get("/day").json()["day"] == day
        return self.admin.get("/truth", params={"day": day}).json()

    def get(self, site: str, url: str, **kwargs) -> httpx.Response:
        """GET on ``site``, waiting out a 429 as its Retry-After says (vault limits bursts)."""
        for _ in range(5):
            r = self.clients[site].get(url, **kwargs)
            if r.status_code != 429:
                return r
            time.sleep(float(r.headers["retry-after"]))
        return r

    def pages(self, site: str, url: str):
        """Each page of a paged list, following ``rel=next`` links to the end."""
        while url:
            r = self.get(site, url)
            assert r.status_code == 200, (site, url, r.status_code)
            page = Selector(r.text)
            yield page
            nxt = page.css("a[rel=next]::attr(href)").get()
            url = urljoin(url, nxt) if nxt else None

    def vault_login(self, config) -> None:
        form = Selector(self.get("vault", "/login").text)
        data = {n: form.css(f"input[name={n}]::attr(value)").get() for n in ("csrf_token", "next")}
        data.update(username=config.vault_username, password=config.vault_password)
        r = self.clients["vault"].post("/login", data=data)
        assert r.status_code == 302 and self.clients["vault"].cookies.get("vault_session")


@pytest.fixture(scope="module")
def visitor(world_config, world):
    with serve_world(world_config, day=0, world=world) as running:
        assert set(running.urls) == set(SITES)
        assert all(urlsplit(u).hostname == "127.0.0.1" for u in [*running.urls.values(), running.admin_url])
        v = Visitor(running)
        try:
            yield v
        finally:
            v.close()


def of_site(truth: dict, kind: str, site: str) -> list[dict]:
    return [r for r in truth[kind] if r["site"] == site]


def last_segment(href: str) -> str:
    return urlsplit(href).path.rsplit("/", 1)[-1]


# -- what each site serves on an ordinary day -------------------------------------------------

def test_bazaar_serves_the_truth(visitor):
    truth = visitor.set_day(0)
    listings = {l["listing_id"]: l for l in of_site(truth, "listings", "bazaar")}
    shown = [last_segment(h) for p in visitor.pages("bazaar", "/listings?page=1")
             for h in p.css("a.listing-link::attr(href)").getall()]
    assert sorted(shown) == sorted(listings) and len(shown) == len(listings) > 50
    handles = [h for p in visitor.pages("bazaar", "/vendors?page=1") for h in p.css("a.vendor-link::text").getall()]
    assert sorted(handles) == sorted(a["handle"] for a in of_site(truth, "accounts", "bazaar"))
    rate = f"1 BTC = {float(truth['sites']['bazaar']['rate_eur']):.2f} EUR"
    for listing_id in sorted(listings)[::10]:
        page = Selector(visitor.get("bazaar", f"/listing/{listing_id}").text)
        truth_listing = listings[listing_id]
        assert page.css("h1.listing-title::text").get() == truth_listing["title"]
        assert page.css("td.price::text").get() == truth_listing["price_shown"]
        assert page.css("td.vendor a::text").get() == truth_listing["vendor"]
        assert page.css("#footer span.btc-rate::text").get() == rate


def test_nocturne_shows_listings_only_through_its_api(visitor):
    truth = visitor.set_day(0)
    listings = of_site(truth, "listings", "nocturne")
    assert listings
    shell = visitor.get("nocturne", "/market?page=1")
    assert shell.status_code == 200 and 'id="app"' in shell.text
    assert not [l["title"] for l in listings if l["title"] in shell.text]
    assert visitor.get("nocturne", "/api/listings?page=1").status_code == 403   # no token, no data
    shown, page, pages = [], 1, 1
    while page <= pages:
        html = visitor.get("nocturne", f"/market?page={page}").text
        token = Selector(html).css("meta[name=nocturne-token]::attr(content)").get()
        data = visitor.get("nocturne", f"/api/listings?page={page}", headers={TOKEN_HEADER: token}).json()
        shown += data["listings"]
        pages, page = data["pages"], page + 1
    assert sorted(l["id"] for l in shown) == sorted(l["listing_id"] for l in listings)
    by_id = {l["listing_id"]: l for l in listings}
    assert all((s["title"], s["price"], s["vendor"]) == (by_id[s["id"]]["title"], by_id[s["id"]]["price_shown"],
                                                       by_id[s["id"]]["vendor"]) for s in shown)


def test_vault_refuses_without_a_session_and_serves_the_truth_after_login(visitor, world_config):
    truth = visitor.set_day(0)
    visitor.clients["vault"].cookies.clear()
    r = visitor.get("vault", "/annonces?page=1")
    assert r.status_code == 302 and r.headers["location"].startswith("/login")
    assert "lien-annonce" not in r.text
    visitor.vault_login(world_config)
    listings = {l["listing_id"]: l for l in of_site(truth, "listings", "vault")}
    shown = [last_segment(h) for p in visitor.pages("vault", "/annonces?page=1")
             for h in p.css("a.lien-annonce::attr(href)").getall()]
    assert sorted(shown) == sorted(listings) and len(shown) == len(listings) > 40
    handles = [h for p in visitor.pages("vault", "/vendeurs?page=1") for h in p.css("a.lien-vendeur::text").getall()]
    assert sorted(handles) == sorted(a["handle"] for a in of_site(truth, "accounts", "vault"))
    for listing_id in sorted(listings)[::15]:
        page = Selector(visitor.get("vault", f"/annonce/{listing_id}").text)
        assert page.css("h1.titre-annonce::text").get() == listings[listing_id]["title"]
        assert page.css("td.prix::text").get() == listings[listing_id]["price_shown"]


def test_feed_serves_the_posts_of_the_last_week(visitor):
    truth = visitor.set_day(8)
    posts = {p["post_id"]: p for p in truth["posts"]}
    shown = [post for page in visitor.pages("feed", "/") for post in page.css("article.post")]
    assert sorted(p.attrib["data-post-id"] for p in shown) == sorted(posts) and len(posts) > 100
    for post in shown[::9]:
        want = posts[post.attrib["data-post-id"]]
        assert post.css("span.handle::text").get() == want["author"]
        assert post.css("p.post-text").xpath("string()").get() == want["text"]
        assert datetime.fromisoformat(post.css("time::attr(datetime)").get()) == \
            datetime.fromisoformat(want["posted_at"])
    cities = [h.split("q=", 1)[1] for h in Selector(visitor.get("feed", "/explore/cities").text)
              .css("a.city-link::attr(href)").getall()]
    assert cities == sorted({p["city"] for p in posts.values() if p["city"]})


# -- events on their days ----------------------------------------------------------------------

def status_of(visitor, site: str, path: str = "/") -> str:
    """What a visitor sees of ``site``: "up", "down" (503), "exited" (502), "captcha" or "takedown"."""
    r = visitor.get(site, path)
    if r.status_code == 503:
        return "down"
    if r.status_code == 502:
        return "exited"
    if "captcha-wall" in r.text:
        return "captcha"
    if "seizure-banner" in r.text:
        return "takedown"
    assert r.status_code in (200, 302), (site, path, r.status_code)
    return "up"


EVENT_KIND = {"down": "downtime", "captcha": "captcha", "exited": "exit", "takedown": "takedown"}
PATHS = {"bazaar": "/listings?page=1", "nocturne": "/market?page=1", "vault": "/login", "feed": "/"}


def test_events_appear_on_their_days(visitor, world_config):
    c = world_config
    cases = [  # (site, day, what a visitor sees, whether the day's events list it)
        ("nocturne", c.downtime["nocturne"][0] - 1, "up", False),
        ("nocturne", c.downtime["nocturne"][0], "down", True),
        ("nocturne", c.downtime["nocturne"][0] + 1, "up", False),
        ("vault", c.captcha_days["vault"][0] - 1, "up", False),
        ("vault", c.captcha_days["vault"][0], "captcha", True),
        ("vault", c.captcha_days["vault"][0] + 1, "up", False),
        ("vault", c.downtime["vault"][0], "down", True),
        ("bazaar", c.exit_day - 1, "up", False),
        ("bazaar", c.exit_day, "exited", True),
        ("bazaar", c.exit_day + 3, "exited", False),
        ("vault", c.takedown_day - 1, "up", False),
        ("vault", c.takedown_day, "takedown", True),
        ("vault", c.days - 1, "takedown", False),
        ("feed", c.days - 1, "up", False),
    ]
    for site, day, seen, listed in cases:
        truth = visitor.set_day(day)
        assert truth["sites"][site]["status"] == seen, (site, day)
        assert status_of(visitor, site, PATHS[site]) == seen, (site, day)
        if listed:
            assert EVENT_KIND[seen] in {e["kind"] for e in truth["events"] if e["site"] == site}, (site, day)
    visitor.set_day(0)


def test_layout_changes_on_its_day(visitor, world_config):
    day = world_config.layout_change["bazaar"]
    for d, footer in ((day - 1, "#footer span.btc-rate"), (day, "footer.site-footer span.fx-rate")):
        truth = visitor.set_day(d)
        page = Selector(visitor.get("bazaar", "/listings?page=1").text)
        assert page.css(footer), (d, truth["sites"]["bazaar"]["layout"])
    visitor.set_day(0)


def test_a_vault_burst_gets_429_with_retry_after(visitor):
    visitor.set_day(0)

    async def burst(url: str, n: int):
        async with httpx.AsyncClient(base_url=url) as client:
            return await asyncio.gather(*(client.get("/login") for _ in range(n)))

    limit = visitor.running.world.config.rate_limit_per_second
    responses = asyncio.run(burst(visitor.running.urls["vault"], int(limit * 5)))
    limited = [r for r in responses if r.status_code == 429]
    assert limited and all(int(r.headers["retry-after"]) >= 1 for r in limited)
    assert any(r.status_code == 200 for r in responses)


# -- faults on demand --------------------------------------------------------------------------

FAULTY = {"feed": Faults(error_rate=0.5), "bazaar": Faults(truncate_rate=1.0), "nocturne": Faults(malformed_rate=1.0)}


@pytest.fixture(scope="module")
def faulty(world_config, world):
    with serve_world(world_config.with_(faults=FAULTY), day=0, world=world,
                     sites=tuple(FAULTY)) as running:
        yield running


def raw_get(url: str) -> tuple[int, bytes]:
    """(declared Content-Length, body bytes received) of a GET, read off the socket to its close."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return length, body


def test_error_rate_gives_some_5xx(faulty):
    with httpx.Client(base_url=faulty.urls["feed"]) as client:
        codes = [client.get("/").status_code for _ in range(40)]
    assert {500, 503} & set(codes) and 200 in codes
    assert all(code in (200, 500, 503) for code in codes)
    assert faulty.faults_injected("feed")["error"] == sum(code != 200 for code in codes)


def test_truncate_rate_gives_short_bodies(faulty):
    declared, body = raw_get(faulty.urls["bazaar"] + "/listings?page=1")
    assert 0 < len(body) < declared
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(faulty.urls["bazaar"] + "/listings?page=1")
    assert httpx.get(faulty.urls["bazaar"] + "/robots.txt").status_code == 200   # robots.txt is spared


def test_malformed_rate_gives_broken_html(faulty):
    r = httpx.get(faulty.urls["nocturne"] + "/vendors?page=1")
    assert r.status_code == 200 and b"<<<" in r.content
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    assert r.content.count(b"<div") > r.content.count(b"</div>")


def test_accepted_connections_send_without_nagle_delay():
    """The mock servers' listening socket says it is TCP, so asyncio sets TCP_NODELAY on every
    connection it accepts.  With proto 0 it did not, and every keep-alive response waited for
    the client's delayed ACK (~40 ms): the world served 360 pages/s at 8 % of a CPU and every
    crawl and benchmark against it was paced by that wait."""
    from mock_sites.server import _bind

    async def accept_one() -> int:
        listener = _bind(0)
        accepted: asyncio.Future = asyncio.get_running_loop().create_future()

        class Record(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Record, sock=listener)
        try:
            _reader, writer = await asyncio.open_connection(*listener.getsockname())
            nodelay = await asyncio.wait_for(accepted, 10)
            writer.close()
            return nodelay
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(accept_one()) != 0
