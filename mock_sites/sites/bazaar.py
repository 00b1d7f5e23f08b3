"""bazaar: a server-rendered market (Starlette + Jinja2), prices in BTC.

Pages: ``/robots.txt`` (disallows /search and /admin), ``/`` (home),
``/listings?page=N`` (50 per page, by listing_id), ``/listing/{id}``, ``/vendors?page=N``
(the vendor directory, 50 per page, by handle: it also lists vendors with no listing
today), ``/vendor/{handle}`` and ``/vendor/{handle}/feedback?page=N`` (20 per page, newest
first, day-granular relative dates).  Handles are percent-encoded in URLs with no safe
characters, so a handle may hold any character, "/" included.  The footer of every
page shows the day's rate ("1 BTC = 5432.10 EUR") and nothing else time-related.

Two layouts, chosen by ``SiteState.layout``: "v1" (tables) and "v2" (cards, other
class names, other field order).  Rendering rules for values (docs/contracts.md):
a single place ``None`` is "Undeclared"; an empty list of places (ships-to, excludes,
vendor ships-from) leaves its field out of the page.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote

import jinja2
import pycountry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from mock_sites.sites.common import SiteContext

LISTINGS_PER_PAGE = 50
VENDORS_PER_PAGE = 50
FEEDBACK_PER_PAGE = 20
TEMPLATES = Path(__file__).resolve().parent / "templates" / "bazaar"
ROBOTS = "User-agent: *\nDisallow: /search\nDisallow: /admin\n"

REGION_NAMES = {"EU": "EU", "EUROPE": "Europe", "WORLDWIDE": "Worldwide",
                "NORTH_AMERICA": "North America", "ASIA": "Asia", "OCEANIA": "Oceania"}
UNIT_NAMES = {"g": ("g", "g"), "ml": ("ml", "ml"), "pill": ("pill", "pills"),
              "blotter": ("blotter", "blotters"), "unit": ("unit", "units")}
CONTACT_LABELS = {"telegram": "Telegram", "wickr": "Wickr", "snapchat": "Snapchat", "signal": "Signal",
                  "phone": "Phone", "email": "Email", "session": "Session"}


@lru_cache(maxsize=None)
def place_name(code: str | None) -> str:
    """English name of an ISO alpha-2 code or region code; None is "Undeclared"."""
    if code is None:
        return "Undeclared"
    if code in REGION_NAMES:
        return REGION_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def place_list(codes) -> str:
    return ", ".join(place_name(c) for c in codes)


def quantity_text(quantity: Decimal, unit: str) -> str:
    number = format(quantity.normalize(), "f")
    singular, plural = UNIT_NAMES.get(unit, (unit, unit))
    return f"{number} {singular if quantity == 1 else plural}"


def days_ago(posted_on: date, today: date) -> str:
    days = (today - posted_on).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def vendor_url(handle: str) -> str:
    return "/vendor/" + quote(handle, safe="")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(place=place_name, places=place_list, vendor_url=vendor_url,
                       listing_url=lambda lid: "/listing/" + quote(lid, safe=""),
                       contact_label=lambda kind: CONTACT_LABELS.get(kind, kind.capitalize()),
                       thousands=lambda n: f"{n:,}")
    env.globals.update(quantity_text=quantity_text, days_ago=days_ago)
    return env


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _paginate(items: list, page: int, size: int) -> tuple[list, bool] | None:
    """The page's slice and whether a next page exists; None past the last page."""
    start = (page - 1) * size
    if page > 1 and start >= len(items):
        return None
    return items[start:start + size], start + size < len(items)


def create_app(ctx: SiteContext) -> Starlette:
    env = _environment()

    def render(name: str, status: int = 200, **context) -> HTMLResponse:
        state = ctx.state()
        rate = f"{state.rate_eur:.2f}" if state.rate_eur is not None else "n/a"
        template = env.get_template(f"{state.layout if state.layout in ('v1', 'v2') else 'v1'}/{name}")
        html = template.render(rate_text=f"1 {state.currency} = {rate} EUR", **context)
        return HTMLResponse(html, status_code=status)

    def not_found(what: str) -> HTMLResponse:
        return render("404.html", status=404, what=what)

    async def robots(request: Request) -> Response:
        return PlainTextResponse(ROBOTS)

    async def home(request: Request) -> Response:
        index = ctx.site_index()
        return render("home.html", n_listings=len(index.listings), n_vendors=len(index.accounts))

    def paged(request: Request, items: list, size: int, name: str, key: str, **context) -> HTMLResponse:
        page = _page_number(request)
        sliced = _paginate(items, page, size)
        if sliced is None:
            return not_found("page")
        return render(name, page=page, has_next=sliced[1], **{key: sliced[0]}, **context)

    async def listings(request: Request) -> Response:
        return paged(request, ctx.site_index().listings, LISTINGS_PER_PAGE, "listings.html", "listings")

    async def vendors(request: Request) -> Response:
        return paged(request, ctx.site_index().accounts, VENDORS_PER_PAGE, "vendors.html", "accounts")

    async def listing(request: Request) -> Response:
        item = ctx.site_index().listing_by_id.get(request.path_params["listing_id"])
        if item is None:
            return not_found("listing")
        return render("listing.html", listing=item)

    async def vendor(request: Request) -> Response:
        # the handle is percent-encoded without safe characters: split the raw path, then decode
        raw = request.scope.get("raw_path") or request.url.path.encode()
        parts = raw.decode("latin-1").split("?", 1)[0].split("/")   # "", "vendor", handle[, "feedback"]
        if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "feedback"):
            return not_found("page")
        index = ctx.site_index()
        account = index.account_by_handle.get(unquote(parts[2]))
        if account is None:
            return not_found("vendor")
        if len(parts) == 3:
            return render("vendor.html", account=account,
                          n_listings=len(index.listings_by_vendor.get(account.handle, ())))
        return paged(request, index.feedback_by_vendor.get(account.handle, []), FEEDBACK_PER_PAGE,
                     "feedback.html", "entries", account=account, today=ctx.view().date)

    async def unknown(request: Request) -> Response:
        return not_found("page")

    return Starlette(routes=[
        Route("/robots.txt", robots),
        Route("/", home),
        Route("/listings", listings),
        Route("/listing/{listing_id}", listing),
        Route("/vendors", vendors),
        Route("/vendor/{rest:path}", vendor),
        Route("/{rest:path}", unknown),
    ])
