"""Authorised targets: who may be crawled, by whom, until when, how politely.

A targets file (TOML) lists ``[[target]]`` tables; it is validated with pydantic and
every error names the offending field (``target[2].authorisation.expires``).  Nothing
is crawled that is not a target here; ``crawler.scope`` enforces the host patterns.
"""
from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.monitoring.config import MonitoringConfig

DEFAULT_TARGETS = Path("targets.toml")
MOCK_TARGETS = Path(__file__).resolve().parent.parent / "mock_sites" / "targets.toml"


class TargetsError(ValueError):
    """The targets file is missing or invalid; the message names the field."""


class AuthorisationExpired(RuntimeError):
    """The target's authorisation has expired (or has not started): crawling is refused."""


class Authorisation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner: str = Field(min_length=1)          # the person or body who authorised the crawl
    reference: str = Field(min_length=1)      # agreement / ticket / court order reference
    scope: list[str] = Field(min_length=1)    # host[:port] glob patterns, e.g. "127.0.0.1:8701", "*.market.test"
    expires: date
    starts: date | None = None

    def check(self, today: date, target_key: str) -> None:
        if self.starts and today < self.starts:
            raise AuthorisationExpired(
                f"target {target_key!r}: authorisation {self.reference} starts on {self.starts}, today is {today}")
        if today > self.expires:
            raise AuthorisationExpired(
                f"target {target_key!r}: authorisation {self.reference} (owner {self.owner}) expired on "
                f"{self.expires}; renew it in the targets file before crawling")


class Politeness(BaseModel):
    model_config = ConfigDict(extra="forbid")
    concurrency: int = Field(default=4, ge=1, le=64)     # concurrent requests to the target
    delay: float = Field(default=0.0, ge=0)              # seconds between requests
    timeout: float = Field(default=30.0, gt=0)           # per request
    max_pages: int = Field(default=100_000, ge=1)        # hard stop for one run
    max_response_bytes: int = Field(default=20 * 2**20, ge=1024)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username_env: str
    password_env: str

    def resolve(self) -> tuple[str, str]:
        missing = [v for v in (self.username_env, self.password_env) if not os.environ.get(v)]
        if missing:
            raise TargetsError(f"credentials: environment variable(s) {', '.join(missing)} not set")
        return os.environ[self.username_env], os.environ[self.password_env]


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cron: str = "0 3 * * *"          # crontab expression; use day names for weekdays
    timezone: str = "UTC"
    jitter: int = Field(default=0, ge=0)        # seconds
    time_limit: int = Field(default=3600, ge=1)  # hard limit for one run, seconds
    misfire_grace_time: int = Field(default=3600, ge=1)  # a run missed by more than this is skipped (schedules/)


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    spider: str = Field(min_length=1)          # spider name in spiders/
    base_urls: list[str] = Field(min_length=1)
    authorisation: Authorisation
    politeness: Politeness = Politeness()
    credentials: Credentials | None = None
    schedule: Schedule = Schedule()
    options: dict[str, str | int | float | bool] = {}   # spider-specific options

    @field_validator("base_urls")
    @classmethod
    def _http_only(cls, urls: list[str]) -> list[str]:
        for u in urls:
            if not u.startswith(("http://", "https://")):
                raise ValueError(f"{u!r} is not an http(s) URL")
        return urls

    @model_validator(mode="after")
    def _base_urls_in_scope(self) -> "Target":
        from crawler.scope import Scope, ScopeError
        try:
            scope = Scope.of_target(self)
        except ScopeError as exc:
            raise ValueError(f"authorisation.scope: {exc}") from None
        outside = [u for u in self.base_urls if not scope.allows(u)]
        if outside:
            raise ValueError(f"base_urls {outside} are outside the authorisation's scope {self.authorisation.scope}")
        return self


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "Vigie"
    contact: str = Field(min_length=3)          # e-mail or URL shown in the User-Agent


class TargetsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: Contact
    target: list[Target] = Field(default_factory=list)
    monitoring: MonitoringConfig = MonitoringConfig()      # thresholds and alerts (crawler.monitoring)

    def get(self, key: str) -> Target:
        for t in self.target:
            if t.key == key:
                return t
        raise TargetsError(f"no target {key!r} in the targets file (known: {', '.join(t.key for t in self.target)})")

    @property
    def user_agent(self) -> str:
        return f"Vigie/0.1 (+{self.operator.contact}; authorised research crawler; {self.operator.name})"


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_targets(data: dict, source: str = "<targets>") -> TargetsFile:
    try:
        tf = TargetsFile.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {_field_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise TargetsError("invalid targets file:\n  " + "\n  ".join(lines)) from None
    keys = [t.key for t in tf.target]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise TargetsError(f"{source}: duplicate target key(s): {', '.join(dupes)}")
    return tf


def load_targets(path: str | os.PathLike | None = None) -> TargetsFile:
    p = Path(path or os.environ.get("VIGIE_TARGETS") or DEFAULT_TARGETS)
    if not p.exists():
        raise TargetsError(f"targets file {p} not found (use --targets FILE or VIGIE_TARGETS)")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TargetsError(f"{p}: not valid TOML: {exc}") from None
    return parse_targets(data, str(p))
