"""The scope check: no request ever reaches a host the authorisation does not cover.

Unit tests for ``crawler.scope.Scope``; then an off-scope *canary* server on loopback
and an in-scope hostile site whose pages link, redirect, meta-refresh, load scripts,
images, styles and iframes from the canary, and whose scripts fetch, XHR, open
WebSockets, pop-ups and service workers towards it and navigate to it.  A naive spider
(``tests.scope_crawl``) crawls the hostile site plainly and in Chromium: the canary must
count zero hits.  The same crawl with the canary inside the scope does hit it, so the
canary can tell.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from crawler.scope import Scope, ScopeError
from crawler.targets import TargetsError, parse_targets

pytestmark = pytest.mark.reliability
ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ unit
@pytest.mark.parametrize("url, allowed", [
    ("http://127.0.0.1:8701/market", True),
    ("HTTP://127.0.0.1:8701/x", True),
    ("http://127.0.0.1:8702/", False),                       # another port
    ("http://127.0.0.1/", False),                            # default port not authorised
    ("https://127.0.0.1:8701/", True),
    ("ws://127.0.0.1:8701/socket", True),
    ("ftp://127.0.0.1:8701/", False),
    ("file:///etc/passwd", False),
    ("http://127.0.0.1:8701@evil.test/", False),             # user-info trick: host is evil.test
    ("http://evil.test/?http://127.0.0.1:8701", False),
    ("http://127.0.0.1.evil.test:8701/", False),
    ("http://127.0.0.1:8701.evil.test/", False),
    ("http://[::1]:8701/", False),
    ("http://127.0.0.1:99999/", False),                      # unreadable port
    ("javascript:alert(1)", False),
    ("", False),
])
def test_scope_of_one_host_and_port(url, allowed):
    assert Scope(["127.0.0.1:8701"]).allows(url) is allowed


def test_wildcards_match_subdomains_only_on_default_ports():
    scope = Scope(["*.market.example", "shop.example:8443"])
    assert scope.allows("http://a.market.example/") and scope.allows("https://b.a.market.example/")
    assert not scope.allows("http://market.example/")            # the parent is not a sub-domain
    assert not scope.allows("http://evilmarket.example/")
    assert not scope.allows("http://a.market.example:8080/")      # no port given: default only
    assert scope.allows("https://shop.example:8443/x") and not scope.allows("https://shop.example/")
    assert scope.allows("http://A.Market.Example./")              # case and trailing dot


def test_browser_only_schemes():
    scope = Scope(["127.0.0.1:8701"])
    assert scope.allows_browser("data:image/png;base64,AAAA") and scope.allows_browser("blob:http://x/1")
    assert not scope.allows("data:text/html,hi")
    assert not scope.allows_browser("http://127.0.0.2:8701/")


@pytest.mark.parametrize("pattern", ["", "http://x.test", "x.test/path", "user@x.test", "x.test:0", "x.test:abc",
                                     ".x.test"])
def test_unreadable_patterns_are_errors(pattern):
    with pytest.raises(ScopeError):
        Scope([pattern])


def _targets(base: str, scope: list[str]) -> dict:
    return {"operator": {"contact": "mailto:t@example.org"},
            "target": [{"key": "t", "spider": "scope_probe", "base_urls": [base],
                        "authorisation": {"owner": "o", "reference": "r", "scope": scope, "expires": "2099-01-01"}}]}


def test_a_target_whose_base_url_is_outside_its_scope_is_refused():
    with pytest.raises(TargetsError, match="outside the authorisation's scope"):
        parse_targets(_targets("http://127.0.0.1:8701/", ["127.0.0.1:8702"]))
    with pytest.raises(TargetsError, match="scope pattern"):
        parse_targets(_targets("http://127.0.0.1:8701/", ["http://127.0.0.1:8701/"]))


# ------------------------------------------------------------------ canary
SERVICE_WORKER = "self.addEventListener('install', () => fetch('{c}/c/sw-install'));"

ATTACK_JS = """
const C = '{c}';
const hit = (what) => {{ try {{ what(); }} catch (e) {{}} }};
hit(() => fetch(C + '/c/fetch'));
hit(() => fetch(C + '/c/fetch-nocors', {{mode: 'no-cors'}}));
hit(() => {{ const x = new XMLHttpRequest(); x.open('GET', C + '/c/xhr'); x.send(); }});
hit(() => new WebSocket('{ws}/c/websocket'));
hit(() => navigator.sendBeacon(C + '/c/beacon', 'x'));
hit(() => new EventSource(C + '/c/eventsource'));
hit(() => new Worker(URL.createObjectURL(new Blob(["fetch('" + C + "/c/worker')"]))));
hit(() => navigator.serviceWorker.register('/sw.js'));
hit(() => {{ const i = new Image(); i.src = C + '/c/js-image'; }});
hit(() => {{ const s = document.createElement('script'); s.src = C + '/c/js-script'; document.body.appendChild(s); }});
setTimeout(() => {{ hit(() => {{ window.location.href = C + '/c/js-navigation'; }}); }}, 300);
"""

JS_PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="{c}/c/style.css"><link rel="prefetch" href="{c}/c/prefetch">
<link rel="preload" as="script" href="{c}/c/preload.js"><link rel="icon" href="{c}/c/favicon.ico">
<script src="{c}/c/script.js"></script></head><body>
<img src="{c}/c/img.png"><img src="/bounce"><img src="/hop"><iframe src="{c}/c/iframe"></iframe><iframe src="/frame"></iframe>
<video src="{c}/c/video.mp4"></video><object data="{c}/c/object"></object>
<form id="f" action="{c}/c/form" method="post"><input name="a" value="1"></form>
<script>{js}</script></body></html>"""

HOME = """<!doctype html><html><body>
<a href="{c}/c/link">off-scope link</a> <a href="/redirect">redirects off scope</a>
<a href="/meta">meta refresh off scope</a> <a href="/loop">redirect loop</a>
<a href="//127.0.0.1:{cport}/c/scheme-relative">scheme-relative</a>
<a href="http://127.0.0.1:{aport}@127.0.0.1:{cport}/c/userinfo">user-info</a>
<a href="/hop">in-scope redirect to an off-scope redirect</a>
<script src="{c}/c/home-script.js"></script><img src="{c}/c/home-img.png"></body></html>"""


def hostile_site(c: str, cport: int):
    """The in-scope site: every page tries to make the crawler or the browser reach ``c``."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    fmt = {"c": c, "cport": cport, "ws": c.replace("http://", "ws://")}

    def page(html: str):
        return lambda request: HTMLResponse(html)

    def redirect(to: str):
        return lambda request: RedirectResponse(to, status_code=302)

    async def home(request):
        return HTMLResponse(HOME.format(aport=request.url.port, **fmt))

    routes = [
        Route("/", home),
        Route("/js", page(JS_PAGE.format(c=c, js=ATTACK_JS.format(**fmt)))),
        Route("/popup", page(f"<html><body><script>window.open('{c}/c/popup'); "
                             "window.open('/popup-in-scope');</script></body></html>")),
        Route("/popup-in-scope", page(f"<html><body><img src='{c}/c/popup-img'></body></html>")),
        Route("/frame", page(f"<html><body><script>fetch('{c}/c/frame-fetch'); "
                             f"top.location = '{c}/c/frame-top';</script></body></html>")),
        Route("/sw.js", lambda r: Response(SERVICE_WORKER.format(c=c), media_type="text/javascript")),
        Route("/redirect", redirect(f"{c}/c/redirect")), Route("/bounce", redirect(f"{c}/c/bounce.png")),
        Route("/hop", redirect("/bounce")), Route("/loop", redirect("/loop2")), Route("/loop2", redirect("/loop")),
        Route("/meta", page(f'<html><head><meta http-equiv="refresh" content="0;url={c}/c/meta-refresh"></head>'
                            "</html>")),
        Route("/robots.txt", lambda r: PlainTextResponse("User-agent: *\nAllow: /\n")),
    ]
    return Starlette(routes=routes)


@pytest.fixture()
def servers():
    """(the hostile site's URL and the paths it served, the canary): pytest-httpserver counts
    every request the canary receives."""
    from mock_sites.server import serve_apps
    canary = HTTPServer(host="127.0.0.1", threaded=True)
    canary.start()
    canary.expect_request(re.compile(".*")).respond_with_data("canary", content_type="text/html")
    c = f"http://127.0.0.1:{canary.port}"
    served: list[str] = []
    app = hostile_site(c, canary.port)

    async def logged(scope, receive, send):
        if scope["type"] == "http":
            served.append(scope["path"])
        await app(scope, receive, send)

    with serve_apps({"hostile": logged}) as urls:
        yield (urls["hostile"], served), canary
    canary.clear()
    canary.stop()


def crawl(site, scope: list[str], tmp_path) -> dict:
    targets = tmp_path / "targets.toml"
    base = site[0] + "/"
    lines = ['[operator]', 'contact = "mailto:t@example.org"', '[[target]]', 'key = "hostile"',
             'spider = "scope_probe"', f'base_urls = ["{base}"]', '[target.authorisation]', 'owner = "tests"',
             'reference = "T-SCOPE"', f'scope = {json.dumps(scope)}', 'expires = 2099-12-31']
    targets.write_text("\n".join(lines) + "\n")
    out = tmp_path / "stats.json"
    proc = subprocess.run([sys.executable, "-m", "tests.scope_crawl", str(targets), "hostile", str(out)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert proc.returncode == 0 and out.exists(), proc.stderr[-3000:]
    return json.loads(out.read_text())


def paths(server) -> list[str]:
    return sorted(req.path for req, _ in server.log)


def hostport(site) -> str:
    return site[0].split("://", 1)[1]


@pytest.mark.browser
def test_no_request_reaches_the_canary(servers, tmp_path):
    site, canary = servers
    stats = crawl(site, [hostport(site)], tmp_path)
    seen = site[1]
    print(f"canary hits: {len(canary.log)}; refused: plain {stats.get('vigie/scope/refused', 0)}, "
          f"browser {stats.get('vigie/scope/refused_browser', 0)}; site requests: {len(seen)}")
    assert paths(canary) == []
    # the hostile pages were really fetched and rendered (the test is not vacuous)
    assert {"/", "/js", "/popup", "/redirect", "/meta", "/bounce", "/hop", "/frame"} <= set(seen)
    assert stats.get("playwright/page_count", 0) >= 2
    assert stats.get("vigie/scope/refused", 0) >= 6          # link, redirect, meta refresh, scripts, images...
    assert stats.get("vigie/scope/refused_browser", 0) >= 10  # sub-resources, fetch, XHR, frames, navigation...


@pytest.mark.browser
def test_the_canary_counts_when_it_is_in_scope(servers, tmp_path):
    site, canary = servers
    crawl(site, [hostport(site), f"127.0.0.1:{canary.port}"], tmp_path)
    hits = set(paths(canary))
    assert {"/c/link", "/c/redirect", "/c/meta-refresh"} <= hits          # plain HTTP
    assert {"/c/img.png", "/c/fetch", "/c/xhr", "/c/iframe", "/c/bounce.png"} <= hits   # browser
