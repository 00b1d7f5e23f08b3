"""Dates and times as sites write them, read against the crawl clock.

"today", "yesterday", "3 days ago", "il y a 3 jours" (dateparser, RELATIVE_BASE = the
crawl's ``observed_at``), "12 Jan 2019", "1 nov. 2018" (French, as vault writes it), ISO
dates and timestamps (fast path), with prefixes such as "Joined", "Member since", "Membre
depuis".  Relative dates are day-granular on the sites, so a date is the calendar day (UTC)
of the crawl clock minus the offset.  An absolute date must name its day and month ("2019",
"Mar 2019" are not dates: no day is invented).  A date after the crawl's day (or a time more
than ``future_slack`` after the crawl clock), or before ``EARLIEST``, is a QuarantineError:
it is never clamped to the crawl's day.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import dateparser

from crawler.items import QuarantineError
from crawler.normalise.text import bounded, unformatted

EARLIEST = date(1995, 1, 1)
LANGUAGES = ["en", "fr", "nl", "de"]
_PREFIX = re.compile(r"^(?:joined|member since|membre depuis|inscrit le|inscrit depuis|depuis|since|"
                     r"lid sinds|mitglied seit|posted|publié le|le|on)\b\s*:?\s*", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@lru_cache(maxsize=4096)
def _dateparser(text: str, base: datetime) -> datetime | None:
    return dateparser.parse(text, languages=LANGUAGES, settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "TIMEZONE": "UTC", "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True, "REQUIRE_PARTS": ["day", "month"]})


def _moment(text: str, now: datetime, field: str) -> datetime:
    raw = bounded(text or "", field, 100)
    cleaned = _PREFIX.sub("", unformatted(raw)).strip()
    if not cleaned:
        raise QuarantineError(f"{field}: empty")
    try:
        if _ISO_TIME.match(cleaned) or _ISO_DATE.match(cleaned):
            try:
                value = _utc(datetime.fromisoformat(cleaned.replace("Z", "+00:00")))
            except ValueError:
                raise QuarantineError(f"{field}: not a date: {raw!r}") from None
        else:
            parsed = _dateparser(cleaned, now.replace(tzinfo=None))
            if parsed is None:
                raise QuarantineError(f"{field}: cannot read the date {raw!r}")
            value = _utc(parsed)
    except OverflowError:      # "0001-01-01T00:00:00+01:00" is before year 1 in UTC
        raise QuarantineError(f"{field}: {raw!r} is out of the range of dates") from None
    if value.date() < EARLIEST:
        raise QuarantineError(f"{field}: {raw!r} is before {EARLIEST.isoformat()}, not a plausible date")
    return value


def parse_datetime(text: str, observed_at: datetime, field: str = "date",
                   future_slack: timedelta = timedelta(minutes=10)) -> datetime:
    """An aware UTC datetime; QuarantineError when unreadable, after the crawl clock (more than
    ``future_slack``) or implausibly old."""
    now = _utc(observed_at)
    value = _moment(text, now, field)
    if value > now + future_slack:
        raise QuarantineError(f"{field}: {text.strip()!r} is after the crawl clock {now.isoformat()}")
    return value


def parse_date(text: str, observed_at: datetime, field: str = "date") -> date:
    """The calendar day (UTC) a date text names, relative ones counted from the crawl clock;
    QuarantineError when unreadable, after the crawl's day or implausibly old."""
    now = _utc(observed_at)
    day = _moment(text, now, field).date()
    if day > now.date():
        raise QuarantineError(f"{field}: {text.strip()!r} = {day.isoformat()} is after the crawl's day "
                              f"{now.date().isoformat()}")
    return day
