"""vault: a login-protected market in French (Starlette + Jinja2), prices in EUR.

Pages: ``/robots.txt``, ``/login`` (GET: form with a CSRF token; POST: credentials from
``WorldConfig.vault_username`` / ``vault_password``), and behind the login ``/`` (home),
``/annonces?page=N`` (40 per page, by listing_id), ``/annonce/{id}`` (with the listing's
feedback, newest first), ``/vendeurs?page=N`` (the vendor directory) and
``/vendeur/{handle}`` (handles percent-encoded with no safe characters, as on bazaar; the
profile also lists the feedback of the vendor's listings that are no longer listed, with
their listing id, so that every feedback entry of the day is shown exactly once).

Access rules, in this order:
1. more than ``rate_limit_per_second`` requests in the last second from one client IP
   → 429 with ``Retry-After: 1`` (robots.txt is exempt);
2. a page without a valid session cookie → 302 to ``/login?next=<path>``;
3. every page served to a session counts; after ``session_max_requests`` the session is
   gone and the next request is redirected to the login again.
A wrong password gives the form again (200) with an error; a missing or forged CSRF
token gives 400.  CAPTCHA days are served by ``StatusGate`` around this app.

Rendering (docs/contracts.md): prices exactly ``Listing.price_shown`` ("1.234,50 €");
quantities with French units and a decimal comma ("10 gr", "0,5 gr", "25 comprimés",
"10 buvards", "30 ml", "1 unité"); places in French ("Pays-Bas", "UE", "Europe",
"Monde entier"; ``None`` is "Non déclaré"); feedback dates absolute ("12 janv. 2019");
ratings "4,87/5" and "5/5"; sales "1 204 ventes"; join date "Membre depuis 2018-03-02".
An empty list of places leaves its row out of the page.
"""
from __future__ import annotations

import gettext
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

import jinja2
import pycountry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from mock_sites.sites.common import SiteContext

LISTINGS_PER_PAGE = 40
VENDORS_PER_PAGE = 40
SESSION_COOKIE = "vault_session"
DEFAULT_NEXT = "/annonces?page=1"
TEMPLATES = Path(__file__).resolve().parent / "templates" / "vault"
ROBOTS = "User-agent: *\nDisallow: /compte\nDisallow: /messages\n"

REGION_NAMES = {"EU": "UE", "EUROPE": "Europe", "WORLDWIDE": "Monde entier",
                "NORTH_AMERICA": "Amérique du Nord", "ASIA": "Asie", "OCEANIA": "Océanie"}
UNIT_NAMES = {"g": ("gr", "gr"), "ml": ("ml", "ml"), "pill": ("comprimé", "comprimés"),
              "blotter": ("buvard", "buvards"), "unit": ("unité", "unités")}
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
CONTACT_LABELS = {"telegram": "Telegram", "wickr": "Wickr", "snapchat": "Snapchat", "signal": "Signal",
                  "phone": "Téléphone", "email": "E-mail", "session": "Session"}
_FRENCH = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)


# -- value rendering ---------------------------------------------------------------------

@lru_cache(maxsize=None)
def place_name(code: str | None) -> str:
    """French name of an ISO alpha-2 code or region code; None is "Non déclaré".

    pycountry's French names; the part before a comma only ("Russie, Fédération de" →
    "Russie"), so that a list of places can be split on commas."""
    if code is None:
        return "Non déclaré"
    if code in REGION_NAMES:
        return REGION_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _FRENCH.gettext(country.name).split(",")[0].strip()


def place_list(codes) -> str:
    return ", ".join(place_name(c) for c in codes)


def french_number(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def quantity_text(quantity: Decimal, unit: str) -> str:
    singular, plural = UNIT_NAMES.get(unit, (unit, unit))
    return f"{french_number(quantity)} {singular if quantity <= 1 else plural}"


def french_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def rating_text(rating: Decimal) -> str:
    return f"{rating:.2f}".replace(".", ",") + "/5"


def sales_text(count: int) -> str:
    return f"{count:,}".replace(",", " ") + (" vente" if count <= 1 else " ventes")


def vendor_url(handle: str) -> str:
    return "/vendeur/" + quote(handle, safe="")


def listing_url(listing_id: str) -> str:
    return "/annonce/" + quote(listing_id, safe="")


# -- sessions, CSRF and the rate limit ---------------------------------------------------

class Sessions:
    """Server-side sessions that expire after a number of requests."""

    def __init__(self, max_requests: int):
        self.max_requests = max_requests
        self._left: dict[str, int] = {}
        self._lock = threading.Lock()

    def open(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._left[token] = self.max_requests
        return token

    def use(self, token: str | None) -> bool:
        """Counts one request; False when the session is unknown or used up (then it is gone)."""
        with self._lock:
            left = self._left.get(token or "", 0)
            if left <= 0:
                self._left.pop(token or "", None)
                return False
            self._left[token] = left - 1
            return True


class CsrfTokens:
    """Stateless CSRF tokens: a nonce and its HMAC under a per-app secret."""

    def __init__(self):
        self._secret = secrets.token_bytes(32)

    def _mac(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        nonce = secrets.token_hex(8)
        return f"{nonce}-{self._mac(nonce)}"

    def valid(self, token: str) -> bool:
        nonce, _, mac = token.partition("-")
        return bool(nonce) and hmac.compare_digest(mac, self._mac(nonce))


class RateLimit:
    """ASGI wrapper: over ``per_second`` requests in the last second from one IP → 429."""

    def __init__(self, app, per_second: float, exempt: tuple[str, ...] = ("/robots.txt",)):
        self.app, self.exempt = app, exempt
        self.limit = max(1, int(per_second))
        self._seen: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and now - seen[0] >= 1.0:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            return True

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?",))[0]
        if self.allow(client):
            return await self.app(scope, receive, send)
        body = "<h1>429 Trop de requêtes</h1><p>Ralentissez.</p>".encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", b"1")]})
        await send({"type": "http.response.body", "body": body})


def raw_target(request: Request) -> str:
    """The request's path and query as sent (percent-encoding kept)."""
    raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return raw + ("?" + query if query else "")


def safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return DEFAULT_NEXT
    return target


# -- the app -----------------------------------------------------------------------------

def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(place=place_name, places=place_list, vendor_url=vendor_url, listing_url=listing_url,
                       french_date=french_date, rating=rating_text, sales=sales_text,
                       contact_label=lambda kind: CONTACT_LABELS.get(kind, kind.capitalize()))
    env.globals.update(quantity_text=quantity_text)
    return env


def page_of(request: Request, items: list, size: int) -> dict | None:
    """The ``?page=N`` slice of ``items`` for a template (rows, page, has_next); None past the end."""
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    start = (page - 1) * size
    if page > 1 and start >= len(items):
        return None
    return {"rows": items[start:start + size], "page": page, "has_next": start + size < len(items)}


def create_app(ctx: SiteContext):
    env = _environment()
    sessions = Sessions(ctx.config.session_max_requests)
    csrf = CsrfTokens()

    def render(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def login_form(next_url: str, error: str | None = None, status: int = 200) -> HTMLResponse:
        return render("login.html", status=status, next_url=next_url, csrf_token=csrf.issue(), error=error)

    def members_only(handler):
        async def guarded(request: Request) -> Response:
            if not sessions.use(request.cookies.get(SESSION_COOKIE)):
                return RedirectResponse("/login?next=" + quote(raw_target(request), safe=""), status_code=302)
            return await handler(request)
        return guarded

    def not_found(what: str) -> HTMLResponse:
        return render("404.html", status=404, what=what)

    async def robots(request: Request) -> Response:
        return PlainTextResponse(ROBOTS)

    async def login_page(request: Request) -> Response:
        return login_form(safe_next(request.query_params.get("next")))

    async def login_submit(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        next_url = safe_next(form.get("next") or request.query_params.get("next"))
        if not csrf.valid(form.get("csrf_token", "")):
            return login_form(next_url, "Jeton de sécurité invalide ou expiré, veuillez réessayer.", status=400)
        user_ok = hmac.compare_digest(form.get("username", "").encode(), ctx.config.vault_username.encode())
        password_ok = hmac.compare_digest(form.get("password", "").encode(), ctx.config.vault_password.encode())
        if not (user_ok and password_ok):
            return login_form(next_url, "Identifiant ou mot de passe incorrect.")
        response = RedirectResponse(next_url, status_code=302)
        response.set_cookie(SESSION_COOKIE, sessions.open(), httponly=True, samesite="lax", path="/")
        return response

    async def home(request: Request) -> Response:
        index = ctx.site_index()
        return render("home.html", n_listings=len(index.listings), n_vendors=len(index.accounts))

    def paged(template: str, request: Request, items: list, size: int) -> HTMLResponse:
        context = page_of(request, items, size)
        return not_found("page") if context is None else render(template, **context)

    async def listings(request: Request) -> Response:
        return paged("annonces.html", request, ctx.site_index().listings, LISTINGS_PER_PAGE)

    async def listing(request: Request) -> Response:
        index = ctx.site_index()
        item = index.listing_by_id.get(request.path_params["listing_id"])
        if item is None:
            return not_found("annonce")
        return render("annonce.html", listing=item, feedback=index.feedback_by_listing.get(item.listing_id, []))

    async def vendors(request: Request) -> Response:
        return paged("vendeurs.html", request, ctx.site_index().accounts, VENDORS_PER_PAGE)

    async def vendor(request: Request) -> Response:
        # the handle is percent-encoded without safe characters: split the raw path, then decode
        parts = raw_target(request).split("?", 1)[0].split("/")   # "", "vendeur", handle
        index = ctx.site_index()
        account = index.account_by_handle.get(unquote(parts[2])) if len(parts) == 3 else None
        if account is None:
            return not_found("vendeur")
        retired = [f for f in index.feedback_by_vendor.get(account.handle, []) if f.listing_id not in index.listing_by_id]
        return render("vendeur.html", account=account, listings=index.listings_by_vendor.get(account.handle, []),
                      retired_feedback=retired)

    async def unknown(request: Request) -> Response:
        return not_found("page")

    app = Starlette(routes=[
        Route("/robots.txt", robots),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/", members_only(home)),
        Route("/annonces", members_only(listings)),
        Route("/annonce/{listing_id}", members_only(listing)),
        Route("/vendeurs", members_only(vendors)),
        Route("/vendeur/{rest:path}", members_only(vendor)),
        Route("/{rest:path}", members_only(unknown)),
    ])
    return RateLimit(app, ctx.config.rate_limit_per_second)
