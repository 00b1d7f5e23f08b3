"""Honour ``Retry-After``: wait what the server asks, then retry, without blocking the reactor.

``RetryAfterMiddleware`` handles 429 responses (and 503 responses that carry a
``Retry-After`` header).  It sleeps the delay the header gives (seconds or an HTTP
date; 1 s when a 429 gives none) with ``scrapy.utils.asyncio.sleep``, which does not
block the reactor, then sends the request again.  It takes 429 over from Scrapy's
``RetryMiddleware`` (``crawler.settings`` leaves 429 out of ``RETRY_HTTP_CODES``).

The wait applies to the host, not only to the refused request: until it is over, new
requests to that host are held in ``process_request``.  The host is also paced
afterwards (additive-increase/multiplicative-decrease, as TCP does): each honoured 429
doubles the minimum interval between requests to it, each other response shrinks it by
5 %, so a crawl settles just under the site's rate limit instead of hammering it.

Settings: ``RETRY_AFTER_MAX_SECONDS`` (60): a server asking for longer is not waited
for, its response is passed on (a site down for an hour should end the run, not stall
it); ``RETRY_AFTER_MAX_TIMES`` (10): retries per request, after which the response is
passed on.  Stats: ``vigie/retry_after/count``, ``vigie/retry_after/waited_seconds``,
``vigie/retry_after/held_requests``, ``vigie/retry_after/max_interval_ms``,
``vigie/retry_after/gave_up`` (and ``.../gave_up/max_times|too_long``).
Enabled at priority 560, between Scrapy's Retry (550) and Redirect (600) middlewares.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

META_KEY = "retry_after_times"
DEFAULT_DELAY = 1.0        # a 429 without a (readable) Retry-After
MIN_INTERVAL = 0.05        # first pacing step after a 429, seconds
MAX_INTERVAL = 5.0
DECAY = 0.95               # per response that was not refused


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a Retry-After header value (delta-seconds or HTTP date); None if unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass
class HostPace:
    resume_at: float = 0.0     # monotonic time the host's Retry-After ends
    interval: float = 0.0      # minimum seconds between two requests to the host
    next_start: float = 0.0    # earliest start of the next request

    def slot(self, now: float) -> float:
        """Seconds the next request must wait; books its start."""
        start = max(now, self.resume_at, self.next_start)
        self.next_start = start + self.interval
        return start - now

    def refused(self, now: float, delay: float) -> None:
        if now >= self.resume_at:   # the refusals of one burst slow the host down once
            self.interval = min(MAX_INTERVAL, max(MIN_INTERVAL, self.interval * 2))
        self.resume_at = max(self.resume_at, now + delay)

    def served(self) -> None:
        self.interval = self.interval * DECAY if self.interval * DECAY >= MIN_INTERVAL / 4 else 0.0


class RetryAfterMiddleware:
    def __init__(self, stats, max_seconds: float = 60.0, max_times: int = 10):
        self.stats = stats
        self.max_seconds = max_seconds
        self.max_times = max_times
        self.hosts: dict[str, HostPace] = {}

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler.stats, s.getfloat("RETRY_AFTER_MAX_SECONDS", 60.0), s.getint("RETRY_AFTER_MAX_TIMES", 10))

    def pace(self, request: Request) -> HostPace:
        return self.hosts.setdefault(urlparse_cached(request).netloc, HostPace())

    def delay_for(self, response: Response) -> float | None:
        """How long to wait before retrying ``response``'s request; None = not ours to retry."""
        header = response.headers.get(b"Retry-After")
        if response.status == 429:
            delay = retry_after_seconds(header)
            return DEFAULT_DELAY if delay is None else delay
        if response.status == 503 and header is not None:
            return retry_after_seconds(header)
        return None

    def give_up(self, response: Response, why: str) -> Response:
        self.stats.inc_value("vigie/retry_after/gave_up")
        self.stats.inc_value(f"vigie/retry_after/gave_up/{why}")
        return response

    async def process_request(self, request: Request) -> None:
        wait = self.pace(request).slot(time.monotonic())
        if wait > 0:
            self.stats.inc_value("vigie/retry_after/held_requests")
            await sleep(wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        delay = self.delay_for(response)
        pace = self.pace(request)
        if delay is None:
            pace.served()
            return response
        times = request.meta.get(META_KEY, 0)
        if times >= self.max_times:
            return self.give_up(response, "max_times")
        if delay > self.max_seconds:
            return self.give_up(response, "too_long")
        pace.refused(time.monotonic(), delay)
        self.stats.max_value("vigie/retry_after/max_interval_ms", round(pace.interval * 1000))
        await sleep(delay)
        self.stats.inc_value("vigie/retry_after/count")
        self.stats.inc_value("vigie/retry_after/waited_seconds", delay)
        retry = request.replace(dont_filter=True)
        retry.meta[META_KEY] = times + 1
        retry.priority = request.priority + 1
        return retry
