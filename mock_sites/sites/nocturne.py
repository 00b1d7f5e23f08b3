"""nocturne: a market whose listings exist only after JavaScript runs (prices in XMR or EUR).

Pages: ``/robots.txt``; ``/`` and ``/market?page=N`` are an HTML shell with an empty
``<div id="app">`` and ``/static/nocturne/market.js``, which fetches
``/api/listings?page=N`` (JSON, 100 listings per page, the day's rate and the number of
pages) and renders the listing cards and the link to the next page.  The API answers only
with the token the shell embeds for that page load (header ``X-Nocturne-Token``): a token
is bound to the page number and the served day, so a crawler has to render the pages.
Vendor profiles ``/vendor/{handle}``, their reviews ``/vendor/{handle}/reviews?page=N``
(25 per page, newest first, ISO dates) and the vendor directory ``/vendors?page=N`` are
server-rendered.  Quantities appear only in listing titles.

Rendering rules (docs/contracts.md): places by English name, ``EU`` as "European Union",
``None`` as "Undeclared"; an empty ships-to or exclusion list is left out; ratings as a
share of positive feedback ("97.4% positive", exactly rating × 20); review ratings as stars.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mock_sites.sites.bazaar import place_name as english_place_name, vendor_url
from mock_sites.sites.common import SiteContext

LISTINGS_PER_PAGE = 100
REVIEWS_PER_PAGE = 25
VENDORS_PER_PAGE = 100
TOKEN_HEADER = "x-nocturne-token"
HERE = Path(__file__).resolve().parent
ROBOTS = "User-agent: *\nDisallow: /account\nDisallow: /checkout\n"
REGION_NAMES = {"EU": "European Union"}


def place_name(code: str | None) -> str:
    return REGION_NAMES.get(code) or english_place_name(code)


def place_list(codes) -> str | None:
    """Names joined by ", "; None for an empty list (the field is left out)."""
    return ", ".join(place_name(c) for c in codes) or None


def positive_share(rating: Decimal) -> str:
    """A 0–5 rating as the share of positive feedback, exact: 4.87 → "97.4% positive"."""
    return f"{(rating * 20).normalize():f}% positive"


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def page_count(n_items: int, size: int) -> int:
    return max(1, math.ceil(n_items / size))


def page_slice(items: list, page: int, size: int) -> list:
    return items[(page - 1) * size: page * size]


def listing_json(listing) -> dict:
    """One listing as the API sends it: display strings, as the page shows them."""
    return {"id": listing.listing_id, "title": listing.title, "vendor": listing.vendor,
            "vendor_url": vendor_url(listing.vendor), "category": listing.category_label,
            "price": listing.price_shown, "ships_from": place_name(listing.ships_from),
            "ships_to": place_list(listing.ships_to), "excludes": place_list(listing.excludes)}


class PageTokens:
    """Per-page-load tokens: a random nonce and its HMAC over (day, page, nonce)."""

    def __init__(self):
        self.secret = secrets.token_bytes(32)

    def _mac(self, day: int, page: int, nonce: str) -> str:
        return hmac.new(self.secret, f"{day}|{page}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, day: int, page: int) -> str:
        nonce = secrets.token_hex(8)
        return f"{nonce}.{self._mac(day, page, nonce)}"

    def valid(self, token: str | None, day: int, page: int) -> bool:
        nonce, _, mac = (token or "").partition(".")
        return bool(nonce) and hmac.compare_digest(mac, self._mac(day, page, nonce))


def _page_number(request: Request) -> int | None:
    """The ``page`` query parameter (default 1); None when it is not a positive integer."""
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def _vendor_path(request: Request) -> tuple[str, str]:
    """(handle, rest) of ``/vendor/{handle}[/rest]``; the handle is percent-encoded, "/" included."""
    raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    handle, _, rest = raw.split("?", 1)[0][len("/vendor/"):].partition("/")
    return unquote(handle), rest


def create_app(ctx: SiteContext) -> Starlette:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates" / "nocturne")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(places=place_list, vendor_url=vendor_url, positive_share=positive_share, stars=stars)
    tokens = PageTokens()

    def render(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def not_found(what: str) -> HTMLResponse:
        return render("404.html", status=404, what=what)

    def market_pages() -> int:
        return page_count(len(ctx.site_index().listings), LISTINGS_PER_PAGE)

    async def robots(request: Request) -> Response:
        return PlainTextResponse(ROBOTS)

    async def market(request: Request) -> Response:
        page = _page_number(request)
        if page is None or page > market_pages():
            return not_found("page")
        return render("market.html", page=page, token=tokens.issue(ctx.clock.day, page))

    async def api_listings(request: Request) -> Response:
        page = _page_number(request)
        if page is None or page > market_pages():
            return JSONResponse({"error": "no such page"}, status_code=404)
        if not tokens.valid(request.headers.get(TOKEN_HEADER), ctx.clock.day, page):
            return JSONResponse({"error": "missing or invalid page token; reload the page"}, status_code=403)
        state = ctx.state()
        rate = f"1 {state.currency} = {state.rate_eur:.2f} EUR" if state.rate_eur is not None else None
        rows = page_slice(ctx.site_index().listings, page, LISTINGS_PER_PAGE)
        return JSONResponse({"page": page, "pages": market_pages(), "rate": rate,
                             "listings": [listing_json(l) for l in rows]})

    async def vendors(request: Request) -> Response:
        accounts = ctx.site_index().accounts
        page, pages = _page_number(request), page_count(len(accounts), VENDORS_PER_PAGE)
        if page is None or page > pages:
            return not_found("page")
        return render("vendors.html", accounts=page_slice(accounts, page, VENDORS_PER_PAGE),
                      page=page, pages=pages)

    async def vendor(request: Request) -> Response:
        handle, rest = _vendor_path(request)
        index = ctx.site_index()
        account = index.account_by_handle.get(handle)
        if account is None or rest not in ("", "reviews"):
            return not_found("vendor" if account is None else "page")
        if rest == "":
            return render("vendor.html", account=account,
                          n_listings=len(index.listings_by_vendor.get(handle, ())))
        reviews = index.feedback_by_vendor.get(handle, [])
        page, pages = _page_number(request), page_count(len(reviews), REVIEWS_PER_PAGE)
        if page is None or page > pages:
            return not_found("page")
        return render("reviews.html", account=account, page=page, pages=pages,
                      reviews=page_slice(reviews, page, REVIEWS_PER_PAGE))

    async def unknown(request: Request) -> Response:
        return not_found("page")

    return Starlette(routes=[
        Route("/robots.txt", robots),
        Route("/", market),
        Route("/market", market),
        Route("/api/listings", api_listings),
        Route("/vendors", vendors),
        Route("/vendor/{rest:path}", vendor),
        Mount("/static/nocturne", StaticFiles(directory=HERE / "static" / "nocturne")),
        Route("/{rest:path}", unknown),
    ])
