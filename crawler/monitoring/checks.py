"""The monitors: each reads one finished run (``RunFacts``) and returns a ``Check``.

A check that cannot judge (too little history, nothing to measure) passes with a
message saying so: monitors flag what they see, never what they cannot.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from crawler.monitoring.config import MonitoringConfig


@dataclass(frozen=True)
class Check:
    monitor: str
    passed: bool
    message: str
    value: float | None = None
    threshold: float | None = None


@dataclass
class RunFacts:
    """What the monitors need to know about a run, read from the database."""
    run_id: int
    site: str
    status: str
    reason: str | None
    stats: dict
    items: int
    quarantined: int
    earlier_items: list[int] = field(default_factory=list)      # most recent first
    coverage: dict[str, dict[str, float | None]] = field(default_factory=dict)  # kind → field → share
    layouts: set[str] = field(default_factory=set)
    earlier_layouts: set[str] | None = None                      # the previous run's, if it recorded any


def finish_reason(f: RunFacts, cfg: MonitoringConfig) -> Check:
    ok = f.status in cfg.ok_statuses
    return Check("finish_reason", ok, f"run ended {f.status}" + (f": {f.reason}" if f.reason else ""))


def item_count(f: RunFacts, cfg: MonitoringConfig) -> Check:
    history = f.earlier_items[:cfg.history]
    if len(history) < cfg.min_history:
        return Check("item_count", True, f"{f.items} items; only {len(history)} earlier run(s), "
                     f"{cfg.min_history} needed to judge", float(f.items))
    median = statistics.median(history)
    floor = (1 - cfg.max_item_drop) * median
    ok = f.items >= floor
    return Check("item_count", ok, f"{f.items} items vs median {median:g} of the last {len(history)} runs "
                 f"(minimum {floor:g})", float(f.items), floor)


def field_coverage(f: RunFacts, cfg: MonitoringConfig) -> list[Check]:
    out = []
    for kind, fields in sorted(cfg.coverage.items()):
        for name, minimum in sorted(fields.items()):
            share = f.coverage.get(kind, {}).get(name)
            if share is None:
                continue                          # no item of this kind in the run
            out.append(Check(f"coverage:{kind}.{name}", share >= minimum,
                             f"{share:.0%} of {kind} items have {name} (minimum {minimum:.0%})", share, minimum))
    return out


def quarantine_rate(f: RunFacts, cfg: MonitoringConfig) -> Check:
    total = f.items + f.quarantined
    rate = f.quarantined / total if total else 0.0
    return Check("quarantine_rate", rate <= cfg.max_quarantine_rate,
                 f"{f.quarantined} of {total} records quarantined ({rate:.1%}, maximum "
                 f"{cfg.max_quarantine_rate:.1%})", rate, cfg.max_quarantine_rate)


def errors(f: RunFacts, cfg: MonitoringConfig) -> list[Check]:
    n_err = int(f.stats.get("log_count/ERROR", 0) or 0)
    n_retry = int(f.stats.get("retry/count", 0) or 0)
    return [Check("errors", n_err <= cfg.max_errors, f"{n_err} error log line(s) (maximum {cfg.max_errors})",
                  n_err, cfg.max_errors),
            Check("retries", n_retry <= cfg.max_retries, f"{n_retry} retried request(s) (maximum "
                  f"{cfg.max_retries})", n_retry, cfg.max_retries)]


def layout_change(f: RunFacts, cfg: MonitoringConfig) -> Check:
    """Spiders count the layout of each page in ``<spider>/layout/<name>`` stats; a layout
    set unlike the previous run's means the site changed (check the selectors)."""
    if not f.layouts or f.earlier_layouts is None:
        return Check("layout", True, "layouts: " + (", ".join(sorted(f.layouts)) or "not recorded"))
    ok = f.layouts == f.earlier_layouts
    return Check("layout", ok, f"page layouts {', '.join(sorted(f.layouts))}" +
                 ("" if ok else f" (previous run: {', '.join(sorted(f.earlier_layouts))}): the site changed"))


def evaluate(f: RunFacts, cfg: MonitoringConfig) -> list[Check]:
    checks = [finish_reason(f, cfg), item_count(f, cfg), *field_coverage(f, cfg), quarantine_rate(f, cfg),
              *errors(f, cfg)]
    if cfg.layout_change:
        checks.append(layout_change(f, cfg))
    return checks


def layouts_of(stats: dict) -> set[str]:
    return {k.rsplit("/", 1)[1] for k, v in (stats or {}).items()
            if k.count("/") == 2 and k.split("/")[1] == "layout" and v and not k.endswith("/unknown")}


def items_of(stats: dict, fallback: int) -> int:
    counts = [v for k, v in (stats or {}).items() if k.startswith("vigie/items/") and isinstance(v, int)]
    return sum(counts) if counts else fallback
