"""What every mock site app shares: its context (world + clock), the site-status
gate (down / exited / CAPTCHA / seizure banner) and faults on demand.

A site module in this package exposes ``create_app(ctx: SiteContext) -> ASGI app``;
``mock_sites.server`` wraps it with ``StatusGate`` and ``FaultInjector`` and serves it
on its own loopback port.
"""
from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from mock_sites.world.config import Faults, WorldConfig
from mock_sites.world.model import DayView, SiteState


class Clock:
    """The served simulated day, shared by all sites of a world; advanced by the admin endpoint."""

    def __init__(self, day: int = 0):
        self._day = day
        self._lock = threading.Lock()

    @property
    def day(self) -> int:
        with self._lock:
            return self._day

    def set(self, day: int) -> None:
        with self._lock:
            self._day = int(day)


@dataclass
class SiteContext:
    site: str
    world: Any                     # mock_sites.world.World
    clock: Clock
    config: WorldConfig
    _cache: dict = field(default_factory=dict, repr=False)

    def view(self) -> DayView:
        """The world as shown today (cached per day; shared across this site's requests)."""
        day = self.clock.day
        hit = self._cache.get("view")
        if hit is None or hit[0] != day:
            hit = (day, self.world.day_view(day))
            self._cache["view"] = hit
        return hit[1]

    def state(self) -> SiteState:
        return self.view().sites[self.site]

    def site_index(self) -> "SiteIndex":
        """Today's listings/accounts/feedback of this site, indexed for page handlers."""
        day = self.clock.day
        hit = self._cache.get("index")
        if hit is None or hit[0] != day:
            hit = (day, SiteIndex.build(self.view(), self.site))
            self._cache["index"] = hit
        return hit[1]


@dataclass
class SiteIndex:
    listings: list            # sorted by listing_id
    listing_by_id: dict
    accounts: list            # sorted by handle
    account_by_handle: dict
    listings_by_vendor: dict  # handle -> [Listing]
    feedback_by_listing: dict  # listing_id -> [Feedback] newest first
    feedback_by_vendor: dict   # handle -> [Feedback] newest first

    @classmethod
    def build(cls, view: DayView, site: str) -> "SiteIndex":
        listings = sorted((l for l in view.listings if l.site == site), key=lambda l: l.listing_id)
        accounts = sorted((a for a in view.accounts if a.site == site), key=lambda a: a.handle.lower())
        by_vendor: dict[str, list] = {}
        for l in listings:
            by_vendor.setdefault(l.vendor, []).append(l)
        fb = sorted((f for f in view.feedback if f.site == site),
                    key=lambda f: (f.posted_on, f.feedback_id), reverse=True)
        fbl: dict[str, list] = {}
        fbv: dict[str, list] = {}
        for f in fb:
            fbl.setdefault(f.listing_id, []).append(f)
            fbv.setdefault(f.vendor, []).append(f)
        return cls(listings, {l.listing_id: l for l in listings}, accounts,
                   {a.handle: a for a in accounts}, by_vendor, fbl, fbv)


async def _send_html(send: Callable, status: int, body: str, headers: list | None = None) -> None:
    data = body.encode("utf-8")
    hdrs = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": hdrs + (headers or [])})
    await send({"type": "http.response.body", "body": data})


CAPTCHA_PAGE = """<!doctype html><html><head><title>Security check</title></head><body>
<div class="captcha-wall"><h1>Security check</h1><p>Please prove you are human to continue.</p>
<img src="/captcha.png" alt="captcha"><form method="post" action="/captcha"><input name="answer">
<button>Verify</button></form></div></body></html>"""

SEIZURE_PAGE = """<!doctype html><html><head><title>This hidden site has been seized</title></head><body>
<div class="seizure-banner"><h1>THIS HIDDEN SITE HAS BEEN SEIZED</h1>
<p>by the Federal Police in a coordinated law enforcement action (Operation Mock Lighthouse).</p></div>
</body></html>"""


class StatusGate:
    """Serves the site's status of the day instead of the site when it is not `up`."""

    def __init__(self, app, ctx: SiteContext):
        self.app, self.ctx = app, ctx

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = self.ctx.state().status
        path = scope.get("path", "/")
        if status == "up" or (status == "captcha" and path == "/robots.txt"):
            return await self.app(scope, receive, send)
        if status == "down":
            return await _send_html(send, 503, "<h1>503 Service Unavailable</h1><p>Maintenance.</p>",
                                    [(b"retry-after", b"3600")])
        if status == "exited":
            return await _send_html(send, 502, "<h1>502 Bad Gateway</h1><p>The site cannot be reached.</p>")
        if status == "takedown":
            return await _send_html(send, 200, SEIZURE_PAGE)
        if status == "captcha":
            return await _send_html(send, 200, CAPTCHA_PAGE)
        return await self.app(scope, receive, send)


class FaultInjector:
    """Injects the site's configured faults (5xx, slow, truncated, dropped, malformed)."""

    def __init__(self, app, faults: Faults, seed: int):
        self.app, self.faults = app, faults
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: dict[str, int] = {}

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self.lock:
            return self.rng.random() < rate

    def _count(self, kind: str) -> None:
        with self.lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1

    async def __call__(self, scope, receive, send):
        f = self.faults
        if scope["type"] != "http" or scope.get("path") == "/robots.txt":
            return await self.app(scope, receive, send)
        if self._roll(f.error_rate):
            self._count("error")
            return await _send_html(send, 503 if self._roll(0.5) else 500, "<h1>Server error</h1>")
        if self._roll(f.slow_rate):
            self._count("slow")
            await asyncio.sleep(f.slow_seconds)
        truncate, drop, malformed = self._roll(f.truncate_rate), self._roll(f.drop_rate), self._roll(f.malformed_rate)
        if not (truncate or drop or malformed):
            return await self.app(scope, receive, send)
        # buffer the response, then damage it
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if drop:
            self._count("drop")
            await send({"type": "http.response.start", "status": start.get("status", 200),
                        "headers": headers + [(b"content-length", str(len(body)).encode())]})
            raise ConnectionResetError("fault injected: connection dropped")
        if malformed and b"<" in body:
            self._count("malformed")
            body = body.replace(b"</div>", b"", 3).replace(b"</li>", b"<li", 2) + b"<div><<<\xff\xfe garbage <p"
        if truncate:
            self._count("truncate")
            await send({"type": "http.response.start", "status": start.get("status", 200),
                        "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body[: len(body) // 2]})
            raise ConnectionResetError("fault injected: body truncated")
        await send({"type": "http.response.start", "status": start.get("status", 200),
                    "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
