"""The ground truth of one day as canonical JSON (format "vigie-mock-truth/1").

Sorted keys, sorted lists, Decimals as strings, dates and datetimes in ISO 8601: two
exports of equal configs are byte-identical.  The format is described field by field in
docs/mock-world.md.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal

FORMAT = "vigie-mock-truth/1"


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _sorted(records: list, *keys: str) -> list:
    return sorted((_plain(r) for r in records), key=lambda r: tuple(str(r[k]) for k in keys))


def truth_dict(world, day: int) -> dict:
    view = world.day_view(day)
    return {
        "format": FORMAT,
        "seed": view.seed,
        "day": view.day,
        "date": view.date.isoformat(),
        "now": view.now.isoformat(),
        "sites": {name: _plain(state) for name, state in sorted(view.sites.items())},
        "events": _sorted(view.events, "kind", "site", "detail"),
        "actors": _sorted(view.actors, "actor_id"),
        "accounts": _sorted(view.accounts, "site", "handle"),
        "listings": _sorted(view.listings, "site", "listing_id"),
        "feedback": _sorted(view.feedback, "site", "feedback_id"),
        "posts": _sorted(view.posts, "post_id"),
    }


def truth_json(world, day: int) -> str:
    return json.dumps(truth_dict(world, day), sort_keys=True, ensure_ascii=False, indent=1) + "\n"
