"""Serve the mock world on loopback: one uvicorn server per site, plus an admin app.

``serve_world(config, day=0)`` is a context manager used by tests, the demo and
``vigie mock serve``: it binds every site on 127.0.0.1 (ephemeral ports unless given),
runs them in a background thread and yields a ``RunningWorld`` with each site's URL,
the admin URL and ``set_day``.  The admin app (``POST /day`` with ``{"day": N}``,
``GET /day``, ``GET /truth?day=N``) listens on loopback only.
"""
from __future__ import annotations

import asyncio
import contextlib
import importlib
import socket
import threading
from dataclasses import dataclass, field
from typing import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_sites.sites.common import Clock, FaultInjector, SiteContext, StatusGate
from mock_sites.world.config import SITES, WorldConfig

LOOPBACK = "127.0.0.1"


def _bind(port: int) -> socket.socket:
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and accepted sockets inherit it.  With proto 0 every keep-alive response waited ~40 ms
    # (Nagle's algorithm against the client's delayed ACK): the server answered 360 req/s at
    # 0.2 ms of CPU per request, and every crawl of a mock site was paced by that wait.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def build_site_app(site: str, ctx: SiteContext):
    module = importlib.import_module(f"mock_sites.sites.{site}")
    app = module.create_app(ctx)
    app = StatusGate(app, ctx)
    faults = ctx.config.faults_for(site)
    return FaultInjector(app, faults, seed=ctx.config.seed * 1000 + SITES.index(site) if site in SITES else 0)


def build_admin_app(world, clock: Clock) -> Starlette:
    async def get_day(request: Request):
        return JSONResponse({"day": clock.day, "days": world.config.days})

    async def post_day(request: Request):
        try:
            day = int((await request.json())["day"])
        except Exception:
            return JSONResponse({"error": "send {\"day\": N}"}, status_code=400)
        if not 0 <= day < world.config.days:
            return JSONResponse({"error": f"day must be in 0..{world.config.days - 1}"}, status_code=400)
        clock.set(day)
        return JSONResponse({"day": day})

    async def truth(request: Request):
        from mock_sites.world.truth import truth_json
        day = int(request.query_params.get("day", clock.day))
        return Response(truth_json(world, day), media_type="application/json")

    return Starlette(routes=[Route("/day", get_day, methods=["GET"]), Route("/day", post_day, methods=["POST"]),
                             Route("/truth", truth, methods=["GET"])])


@dataclass
class RunningWorld:
    world: object
    clock: Clock
    urls: dict[str, str]
    admin_url: str
    apps: dict = field(default_factory=dict)

    def set_day(self, day: int) -> None:
        if not 0 <= day < self.world.config.days:
            raise ValueError(f"day must be in 0..{self.world.config.days - 1}")
        self.clock.set(day)

    @property
    def day(self) -> int:
        return self.clock.day

    def faults_injected(self, site: str) -> dict[str, int]:
        return dict(self.apps[site].injected)


@contextlib.contextmanager
def serve_apps(apps: dict[str, object], ports: dict[str, int] | None = None) -> Iterator[dict[str, str]]:
    """Serve ASGI apps on loopback, each with its own uvicorn server (ephemeral ports unless
    ``ports`` names them), in a background thread; yields ``{name: base URL}``."""
    ports = ports or {}
    servers: list[tuple[uvicorn.Server, socket.socket]] = []
    urls: dict[str, str] = {}
    for name, app in apps.items():
        sock = _bind(ports.get(name, 0))
        urls[name] = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
        servers.append((_server(app), sock))

    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def main():
        tasks = [asyncio.create_task(s.serve(sockets=[sock])) for s, sock in servers]
        while not all(s.started for s, _ in servers):
            await asyncio.sleep(0.01)
        started.set()
        await asyncio.gather(*tasks)

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), name="mock-world", daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("mock servers did not start within 30 s")
    try:
        yield urls
    finally:
        for s, _ in servers:
            s.should_exit = True
        thread.join(10)
        for _, sock in servers:
            sock.close()


@contextlib.contextmanager
def serve_world(config: WorldConfig | None = None, day: int = 0, sites: tuple[str, ...] = SITES,
                ports: dict[str, int] | None = None, world=None) -> Iterator[RunningWorld]:
    from mock_sites.world import World

    config = config or WorldConfig()
    world = world or World(config)
    clock = Clock(day)
    apps: dict[str, object] = {site: build_site_app(site, SiteContext(site=site, world=world, clock=clock,
                                                                       config=config)) for site in sites}
    with serve_apps({**apps, "admin": build_admin_app(world, clock)}, ports) as urls:
        admin_url = urls.pop("admin")
        yield RunningWorld(world=world, clock=clock, urls=urls, admin_url=admin_url, apps=apps)


def _server(app) -> uvicorn.Server:
    cfg = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                         timeout_keep_alive=30, limit_concurrency=2048)
    server = uvicorn.Server(cfg)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # background thread
    return server


def targets_toml(running: RunningWorld, contact: str = "mailto:vigie-tests@example.org",
                 expires: str = "2099-12-31") -> str:
    """A targets file authorising exactly the running mock sites (used by tests and the demo)."""
    lines = ["[operator]", 'name = "Vigie mock world"', f'contact = "{contact}"', ""]
    for site, url in running.urls.items():
        hostport = url.split("://", 1)[1]
        lines += ["[[target]]", f'key = "{site}"', f'spider = "{site}"', f'base_urls = ["{url}/"]',
                  "[target.authorisation]", 'owner = "Vigie developers"', 'reference = "MOCK-WORLD"',
                  f'scope = ["{hostport}"]', f"expires = {expires}",
                  "[target.politeness]", "concurrency = 8", "delay = 0.0", "timeout = 10.0"]
        if site == "vault":
            lines += ["[target.credentials]", 'username_env = "VIGIE_VAULT_USER"',
                      'password_env = "VIGIE_VAULT_PASSWORD"']
        lines.append("")
    return "\n".join(lines)
