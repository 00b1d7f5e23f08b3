"""The one scope check: may Vigie fetch this URL?

A target's authorisation lists host patterns (``authorisation.scope`` in the targets
file): ``"127.0.0.1:8701"``, ``"market.example"``, ``"*.market.example:8443"``.  A URL
is in scope when its scheme is http(s) (or ws(s) for WebSockets) and its host and
port match one pattern.  A pattern without a port allows only the scheme's default
port (80 for http/ws, 443 for https/wss).  Hosts are compared lower-cased, without a
trailing dot, IDNA-encoded; user-info (``http://in.scope@evil/``) is ignored, as
browsers ignore it, so it cannot smuggle a host past the check.

Everything else is refused: other schemes (``ftp:``, ``file:``, ``gopher:``), unparsable
URLs, hosts that only *look* like an authorised one (``127.0.0.1.evil``, ``evil/127.0.0.1``).
In-page URLs that never reach the network (``data:``, ``blob:``, ``about:``,
``javascript:``) are allowed for the browser only (``Scope.allows_browser``).

``crawler.middlewares.ScopeMiddleware`` applies it to every Scrapy request (and so to
redirects, meta refreshes and robots.txt fetches); ``crawler.browser`` applies it to
every request a rendered page makes.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
LOCAL_SCHEMES = ("data", "blob", "about", "javascript")   # never leave the browser


class ScopeError(ValueError):
    """A scope pattern that cannot be read (an authorisation must be unambiguous)."""


@dataclass(frozen=True)
class HostPattern:
    host: str            # lower-case glob, e.g. "127.0.0.1", "*.market.example"
    port: int | None     # None: the scheme's default port

    @classmethod
    def parse(cls, text: str) -> "HostPattern":
        raw = text.strip().lower()
        if not raw or "/" in raw or "@" in raw or " " in raw:
            raise ScopeError(f"scope pattern {text!r} must be host[:port], e.g. '127.0.0.1:8701' or "
                             "'*.market.example'")
        host, port = raw, None
        if raw.startswith("["):                        # [::1]:8080
            end = raw.find("]")
            host, rest = raw[1:end], raw[end + 1:]
            if rest:
                port = _port(rest.lstrip(":"), text)
        elif raw.count(":") == 1:
            host, port_text = raw.split(":")
            port = _port(port_text, text)
        if not host or host.startswith(".") or "**" in host:
            raise ScopeError(f"scope pattern {text!r}: bad host")
        return cls(host.rstrip("."), port)

    def matches(self, host: str, port: int, default_port: int) -> bool:
        if self.port is None and port != default_port:
            return False
        if self.port is not None and port != self.port:
            return False
        if "*" in self.host:
            # "*.x" matches sub-domains of x only, never x itself nor "evilx"
            return fnmatch.fnmatchcase(host, self.host) and host.endswith(self.host.lstrip("*"))
        return host == self.host


def _port(text: str, pattern: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ScopeError(f"scope pattern {pattern!r}: bad port {text!r}")
    return int(text)


def host_and_port(url: str) -> tuple[str, str, int] | None:
    """(scheme, normalised host, port) of a network URL; None when it has none or cannot be read."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = parts.hostname          # lower-cased, user-info and brackets removed
        port = parts.port              # raises ValueError on a bad port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    host = host.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


class Scope:
    """The hosts one target's authorisation covers."""

    def __init__(self, patterns: list[str] | tuple[str, ...]):
        if not patterns:
            raise ScopeError("an authorisation needs at least one scope pattern")
        self.patterns = tuple(HostPattern.parse(p) for p in patterns)
        self.text = tuple(patterns)

    @classmethod
    def of_target(cls, target) -> "Scope":
        return cls(target.authorisation.scope)

    def allows(self, url: str) -> bool:
        """True when ``url`` may be fetched: http(s)/ws(s) to an authorised host and port."""
        parsed = host_and_port(url)
        if parsed is None:
            return False
        scheme, host, port = parsed
        return any(p.matches(host, port, DEFAULT_PORTS[scheme]) for p in self.patterns)

    def allows_browser(self, url: str) -> bool:
        """As ``allows``, plus the in-page schemes that never reach the network."""
        scheme = url.split(":", 1)[0].strip().lower()
        return scheme in LOCAL_SCHEMES or self.allows(url)

    def __repr__(self) -> str:
        return f"Scope({list(self.text)!r})"
