"""Which targets are due: a target is due when its schedule fired after its last run.

The last run of a site is the latest ``observed_at`` of its ``crawl_runs`` (any status,
the crawl clock), so ``run-due`` needs no state of its own: the database is the state.
A site never crawled is due at once.  However many fire times were missed since the last
run, one run is due (missed runs are coalesced).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa

from crawler.targets import Target
from schedules.triggers import cron_trigger


@dataclass(frozen=True)
class Due:
    target: Target
    fire_time: datetime | None         # the schedule's fire time that made it due (None: never crawled)
    last_run: datetime | None


def last_runs(engine, sites: list[str]) -> dict[str, datetime]:
    from storage.store import T
    runs = T["crawl_runs"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(runs.c.site_id, sa.func.max(runs.c.observed_at))
                            .where(runs.c.site_id.in_(sites)).group_by(runs.c.site_id)).all()
    return {site: (at if isinstance(at, datetime) else datetime.fromisoformat(str(at))).replace(tzinfo=timezone.utc)
            for site, at in rows}


def due_targets(targets: list[Target], engine, now: datetime) -> list[Due]:
    """The targets whose schedule fired in ``(last run, now]`` (``now`` aware)."""
    last = last_runs(engine, [t.key for t in targets])
    out = []
    for t in targets:
        prev = last.get(t.key)
        if prev is None:
            out.append(Due(t, None, None))
            continue
        fire = cron_trigger(t.schedule, t.key, jitter=False).get_next_fire_time(None, prev)
        if fire is not None and fire <= now and fire > prev:
            out.append(Due(t, fire, prev))
    return out
