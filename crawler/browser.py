"""The scope check inside the browser (scrapy-playwright + Debian's Chromium).

Only requests with ``meta["playwright"]=True`` are rendered.  The navigation itself has
passed ``crawler.middlewares.ScopeMiddleware``; everything the page then asks for goes
through Playwright route interception installed here, with the same ``Scope``:

- ``guard_page`` (the page-init callback ``ScopeMiddleware`` puts on every browser
  request) routes ``**`` on the page *after* scrapy-playwright's own route, so it runs
  first: sub-resources, fetch/XHR, iframes, form posts and JavaScript navigations to
  hosts out of scope are aborted (``blockedbyclient``), counted
  (``vigie/scope/refused_browser``) and logged.  In-scope requests fall back to
  scrapy-playwright's handler.  A redirect is followed by the browser as a new request,
  which is routed again.
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


async def _route(route, request) -> None:
    try:
        if in_scope(request.url):
            await route.fallback()
            return
        _refuse(request.url, f"{request.resource_type} request")
        await route.abort("blockedbyclient")
    except Exception as exc:  # noqa: BLE001 - the page may be closing; never let a request through on error
        logger.debug("route handler for %s: %s", request.url, exc)


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
    await page.route("**", _route)
    await page.route_web_socket("**", _route_socket)
    context = page.context
    if not getattr(context, "_vigie_guarded", False):
        context._vigie_guarded = True
        await context.route("**", _route)
        await context.route_web_socket("**", _route_socket)
    if _ACTIVE.archive is not None:
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
