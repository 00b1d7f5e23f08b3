"""The scope check inside the browser (scrapy-playwright + Debian's Chromium).

Only requests with ``meta["playwright"]=True`` are rendered.  The navigation itself has
passed ``crawler.middlewares.ScopeMiddleware``; everything the page then asks for goes
through Playwright route interception installed here, with the same ``Scope``:

- ``guard_page`` (the page-init callback ``ScopeMiddleware`` puts on every browser
  request) routes ``**`` on the page *after* scrapy-playwright's own route, so it runs
  first: sub-resources, fetch/XHR, iframes, form posts and JavaScript navigations to
  hosts out of scope are aborted (``blockedbyclient``), counted
  (``vigie/scope/refused_browser``) and logged.  In-scope requests are fetched by the
  handler without following redirects and fulfilled: a redirect to a host out of scope
  is refused; an allowed one is followed by the browser as a new, routed request.  The
  page's first navigation gets the Scrapy request's method and body.
- The same handler is routed on the browser context (pages opened by ``window.open``)
  and WebSockets are routed too (``route_web_socket``): off-scope sockets are closed
  before they connect.
- Service workers are blocked for every context (``BROWSER_CONTEXT``), so no request can
  escape routing through one.
- ``abort_off_scope`` is also scrapy-playwright's ``PLAYWRIGHT_ABORT_REQUEST``: a second,
  independent check inside scrapy-playwright's own route handler.

One crawl run per process (``crawler.run``): ``activate`` records the run's scope, its
stats and the WARC archiver for the callbacks, which scrapy-playwright calls without the
crawler.  Before ``activate`` every browser request is refused (fail closed).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urljoin

logger = logging.getLogger(__name__)

REFUSED_STAT = "vigie/scope/refused_browser"
USER_INIT_CALLBACK = "vigie_page_init_callback"   # a spider's own page-init callback, chained

#: context options for every browser context: no service workers (they bypass routing)
BROWSER_CONTEXT: dict[str, Any] = {"service_workers": "block", "java_script_enabled": True}


@dataclass
class _Active:
    scope: Any = None                          # crawler.scope.Scope
    stats: Any = None                          # the crawler's stats collector
    archive: Callable | None = None            # crawler.warc's sub-resource archiver (async)


_ACTIVE = _Active()


def activate(scope, stats) -> None:
    """Record the run's scope and stats (called by ``ScopeMiddleware`` when the spider opens)."""
    _ACTIVE.scope, _ACTIVE.stats = scope, stats


def set_archiver(archive: Callable | None) -> None:
    """``async archive(response)``: called with every network response of a rendered page."""
    _ACTIVE.archive = archive


def _refuse(url: str, what: str) -> None:
    if _ACTIVE.stats is not None:
        _ACTIVE.stats.inc_value(REFUSED_STAT)
    logger.warning("refused off-scope %s from a rendered page: %s", what, url)


def in_scope(url: str) -> bool:
    return _ACTIVE.scope is not None and _ACTIVE.scope.allows_browser(url)


def abort_off_scope(playwright_request) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: True (abort) for a request out of scope."""
    if in_scope(playwright_request.url):
        return False
    _refuse(playwright_request.url, f"{playwright_request.resource_type} request")
    return True


NETWORK_SCHEMES = ("http:", "https:")


def _navigation_overrides(scrapy_request) -> dict:
    """The Scrapy request's method and body for the page's first navigation (as
    scrapy-playwright would apply them).  Headers are the browser's: the context's
    User-Agent is the run's (``crawler.settings``)."""
    out: dict = {}
    if scrapy_request.method.upper() != "GET":
        out["method"] = scrapy_request.method
    if scrapy_request.body:
        out["post_data"] = scrapy_request.body
    return out


def _router(scrapy_request=None):
    """A route handler.  In-scope network requests are fetched here without following
    redirects (``max_redirects=0``) and fulfilled, so that a redirect to another host is
    refused like any other request: the browser follows an allowed redirect as a new,
    routed request.  (Playwright does not route the hops of redirects it follows itself.)"""
    first = {"pending": scrapy_request is not None}

    async def route_request(route, request) -> None:
        try:
            url = request.url
            if not in_scope(url):
                _refuse(url, f"{request.resource_type} request")
                await route.abort("blockedbyclient")
                return
            if not url.lower().startswith(NETWORK_SCHEMES):
                await route.fallback()
                return
            overrides = {}
            if (first["pending"] and request.is_navigation_request()
                    and url.rstrip("/") == scrapy_request.url.rstrip("/")):
                first["pending"] = False
                overrides = _navigation_overrides(scrapy_request)
            response = await route.fetch(max_redirects=0, **overrides)
            location = response.headers.get("location")
            if 300 <= response.status < 400 and location and not in_scope(urljoin(url, location)):
                _refuse(urljoin(url, location), f"redirect of a {request.resource_type} request")
                await route.abort("blockedbyclient")
                return
            await route.fulfill(response=response)
        except Exception as exc:  # noqa: BLE001 - page closing, connection lost: never let it through
            logger.debug("route handler for %s: %s", request.url, exc)
            try:
                await route.abort("failed")
            except Exception:  # noqa: BLE001 - already handled or page gone
                pass

    return route_request


async def _route_socket(ws) -> None:
    if in_scope(ws.url):
        ws.connect_to_server()
        return
    _refuse(ws.url, "WebSocket")
    await ws.close(code=1008, reason="off scope")


async def _archive(response) -> None:
    if _ACTIVE.archive is not None:
        try:
            await _ACTIVE.archive(response)
        except Exception as exc:  # noqa: BLE001 - a body the browser dropped (redirect, aborted) is not archived
            logger.debug("could not archive %s: %s", response.url, exc)


async def guard_page(page, request) -> None:
    """Page-init callback: route every request and WebSocket of the page (and its context)
    through the scope, archive its responses, then run the spider's own callback if any."""
    await page.route("**", _router(request))
    await page.route_web_socket("**", _route_socket)
    context = page.context
    if not getattr(context, "_vigie_guarded", False):
        context._vigie_guarded = True
        await context.route("**", _router())
        await context.route_web_socket("**", _route_socket)
    if _ACTIVE.archive is not None and not getattr(page, "_vigie_archived", False):
        page._vigie_archived = True
        page.on("response", _archive)
    own = request.meta.get(USER_INIT_CALLBACK)
    if own:
        from scrapy.utils.misc import load_object
        await load_object(own)(page, request)


def guard_request(request) -> None:
    """Put ``guard_page`` on a browser request (keeping the spider's own init callback)."""
    own = request.meta.get("playwright_page_init_callback")
    if own is not None and own is not guard_page:
        request.meta[USER_INIT_CALLBACK] = own
    request.meta["playwright_page_init_callback"] = guard_page
