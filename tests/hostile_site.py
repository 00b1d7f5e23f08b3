"""A hostile site in bazaar's "v1" layout, for tests/test_reliability_hostile.py.

``hostile_app()`` serves an index page linking to one listing page per hostile case (plus
two ordinary listings); ``endless_app()`` serves listing index pages that never end.  Both
are Starlette apps served by uvicorn (``mock_sites.server.serve_apps``), crawled by the
real bazaar spider.  ``CASES`` says what each page does.
"""
from __future__ import annotations

import asyncio
import gzip
import html

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

RATE = "1 BTC = 5432.10 EUR"
VENDOR = "HostileVendor"
MAX_RESPONSE_BYTES = 2 * 2**20           # the hostile target's politeness.max_response_bytes
TIMEOUT = 3.0                            # its politeness.timeout
DEPTH = 1_000                            # nested <div>s of the "deep" page

CASES = {   # listing id -> what its page does
    "ok-1": "an ordinary listing",
    "ok-2": "an ordinary listing",
    "malformed": "unclosed tags, stray '<', NUL and invalid UTF-8 bytes, a garbled price",
    "deep": "the listing inside 1,000 nested <div>s",
    "long-title": "a 600 KB title (above the 500-character limit)",
    "latin1-as-utf8": "declared UTF-8, sent in Latin-1",
    "utf8-as-latin1": "declared ISO-8859-1, sent in UTF-8 (price '€45.00' turns to mojibake)",
    "utf16": "UTF-16 with a BOM, no charset declared",
    "huge": "an 8 MB page (max_response_bytes is 2 MB)",
    "gzip-bomb": "gzip body of ~8 KB inflating to 64 MB (Content-Encoding: gzip)",
    "redirect-loop": "302 to redirect-loop-b, which 302s back",
    "redirect-chain": "an endless chain of 302s to new URLs",
    "trickle": "headers, then one byte a second, for ever",
    "too-deep": "the listing inside 20,000 nested <div>s (beyond lxml's depth limit)",
}
TOO_DEEP = 20_000                        # nested <div>s of the "too-deep" page: beyond lxml's limit


def listing_html(listing_id: str, title: str, price: str = "0.00828500 BTC", charset: str = "utf-8",
                 before: str = "", after: str = "", vendor: str = VENDOR) -> str:
    return f"""<!doctype html><html><head><meta charset="{charset}"><title>{title[:60]}</title></head>
<body class="bazaar"><div id="content">{before}
<h1 class="listing-title" data-listing-id="{html.escape(listing_id)}">{title}</h1>
<table class="listing-details">
<tr><th>Vendor</th><td class="vendor"><a class="vendor-link" href="/vendor/{vendor}">{vendor}</a></td></tr>
<tr><th>Category</th><td class="category">Cocaine</td></tr>
<tr><th>Price</th><td class="price">{price}</td></tr>
<tr><th>Quantity</th><td class="quantity">1 g</td></tr>
<tr><th>Ships from</th><td class="ships-from">Belgium</td></tr>
</table>{after}</div>
<div id="footer"><span class="btc-rate">{RATE}</span></div></body></html>"""


def index_html(ids, next_href: str | None = None) -> str:
    links = "".join(f'<tr class="listing-row"><td><a class="listing-link" href="/listing/{i}">{i}</a></td></tr>'
                    for i in ids)
    pager = f'<p class="pager"><a class="next" rel="next" href="{next_href}">next</a></p>' if next_href else ""
    return (f'<!doctype html><html><head><meta charset="utf-8"></head><body><div id="content">'
            f'<table class="listing-table">{links}</table>{pager}</div>'
            f'<div id="footer"><span class="btc-rate">{RATE}</span></div></body></html>')


UTF16_VENDOR = "Utf16Vendor"             # linked only from the UTF-16 page: its request follows from there


def vendor_html(handle: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8"></head><body><div id="content">
<h1 class="vendor-name">{html.escape(handle)}</h1><table class="vendor-stats">
<tr><td class="joined">Joined 2018-01-02</td></tr><tr><td class="rating">4.50/5</td></tr>
<tr><td class="sales">12 sales</td></tr><tr><td class="ships-from">Belgium</td></tr></table>
<p class="profile">Quality first.</p></div>
<div id="footer"><span class="btc-rate">{RATE}</span></div></body></html>"""


EMPTY_DIRECTORY = (f'<!doctype html><html><body><table class="vendor-table"></table>'
                   f'<div id="footer"><span class="btc-rate">{RATE}</span></div></body></html>')


def _html(body: str | bytes, charset: str | None = "utf-8", **headers) -> Response:
    content_type = "text/html" + (f"; charset={charset}" if charset else "")
    data = body.encode(charset or "utf-8") if isinstance(body, str) else body
    return Response(data, headers={"content-type": content_type, **headers})


async def robots(request: Request) -> Response:
    return Response("User-agent: *\nAllow: /\n", media_type="text/plain")


def _gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * (64 * 2**20), compresslevel=9)


GZIP_BOMB = _gzip_bomb()


async def listing(request: Request) -> Response:
    lid = request.path_params["listing_id"]
    if lid in ("ok-1", "ok-2"):
        return _html(listing_html(lid, f"Cocaine 90% ({lid})"))
    if lid == "malformed":
        page = listing_html(lid, "Broken <b>markup <i>cocaine", price="<<<0.00828500 <b>ÆTC <td",
                            before="<div><<<p <table><tr><td>unclosed", after="<div><span>")
        return _html(page.encode("utf-8").replace(b"Broken", b"Br\xff\xfeoken\x00"), charset="utf-8")
    if lid == "deep":
        return _html(listing_html(lid, "Deep cocaine", before="<div>" * DEPTH, after="</div>" * DEPTH))
    if lid == "too-deep":
        return _html(listing_html(lid, "Too deep", before="<div>" * TOO_DEEP, after="</div>" * TOO_DEEP))
    if lid == "long-title":
        return _html(listing_html(lid, "cocaine " * 75_000))
    if lid == "latin1-as-utf8":
        return _html(listing_html(lid, "Cocaïne pure, très bonne").encode("latin-1"), charset="utf-8")
    if lid == "utf8-as-latin1":
        return _html(listing_html(lid, "Cocaïne pure", price="€45.00", charset="iso-8859-1").encode("utf-8"),
                     charset="iso-8859-1")
    if lid == "utf16":
        page = listing_html(lid, "Cocaïne UTF-16", charset="utf-16", vendor=UTF16_VENDOR)
        return _html(page.encode("utf-16"), charset=None)
    if lid == "huge":
        return _html(listing_html(lid, "Huge cocaine", after="<p>" + "x" * (8 * 2**20) + "</p>"))
    if lid == "gzip-bomb":
        return Response(GZIP_BOMB, headers={"content-type": "text/html; charset=utf-8", "content-encoding": "gzip"})
    if lid == "redirect-loop":
        return RedirectResponse("/listing/redirect-loop-b", status_code=302)
    if lid == "redirect-loop-b":
        return RedirectResponse("/listing/redirect-loop", status_code=302)
    if lid.startswith("redirect-chain"):
        n = int(lid.rpartition("-")[2]) if lid[-1].isdigit() else 0
        return RedirectResponse(f"/listing/redirect-chain-{n + 1}", status_code=302)
    if lid == "trickle":
        async def drip():
            yield listing_html(lid, "Slow")[:200].encode()
            while True:
                await asyncio.sleep(1)
                yield b" "
        from starlette.responses import StreamingResponse
        return StreamingResponse(drip(), media_type="text/html")
    return HTMLResponse("<h1>404</h1>", status_code=404)


async def vendor(request: Request) -> Response:
    handle = request.path_params["handle"]
    return _html(vendor_html(handle)) if handle in (VENDOR, UTF16_VENDOR) else HTMLResponse("<h1>404</h1>", status_code=404)


async def vendors(request: Request) -> Response:
    return _html(EMPTY_DIRECTORY)


def _site(listings, one) -> Starlette:
    return Starlette(routes=[Route("/robots.txt", robots), Route("/listings", listings),
                             Route("/listing/{listing_id}", one), Route("/vendors", vendors),
                             Route("/vendor/{handle}", vendor)])


def hostile_app(cases=tuple(CASES)) -> Starlette:
    async def listings(request: Request) -> Response:
        return _html(index_html(list(cases)))
    return _site(listings, listing)


def endless_app() -> Starlette:
    """``/listings?page=N`` always links to page N+1 and to one listing of its own."""
    async def listings(request: Request) -> Response:
        page = int(request.query_params.get("page", "1"))
        return _html(index_html([f"p-{page}"], f"/listings?page={page + 1}"))

    async def one(request: Request) -> Response:
        lid = request.path_params["listing_id"]
        return _html(listing_html(lid, f"Cocaine ({lid})"))
    return _site(listings, one)
