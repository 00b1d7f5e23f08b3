"""Writing and reading cross-site actors (the linkage's side of the database).

The linkage (``crawler/linkage``) decides clusters and stable IDs
(``assign_stable_ids``); this module stores one linkage result as a ``linkage_runs`` row,
the ``actors`` it uses, the account → actor links with probability and evidence (history
kept: a changed link closes the old row) and the lineage events. Accounts are named by the
linkage's key ``"site:handle"`` or by ``account_id``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.ids import account_id as make_account_id
from storage.store import T, Store, _insert_new, now, run_in_transaction


@dataclass(frozen=True)
class Lineage:
    kind: str                       # "new" | "split" | "merge" | "redirect"
    actor_id: str
    related_id: str | None = None
    accounts: tuple[str, ...] = ()


def to_account_id(key: str) -> str:
    """``"site:handle"`` → account_id; an ``acc_...`` id is returned as is."""
    if key.startswith("acc_"):
        return key
    site, _, handle = key.partition(":")
    return make_account_id(site, handle)


def current_assignment(store: Store) -> dict[str, str]:
    """``{"site:handle": actor_id}`` of the current links (the linkage's ``previous``)."""
    aa, va = T["actor_accounts"], T["vendor_accounts"]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(va.c.site_id, va.c.handle, aa.c.actor_id)
                            .join(va, va.c.account_id == aa.c.account_id)
                            .where(aa.c.valid_to.is_(None))).all()
    return {f"{site}:{handle}": actor for site, handle, actor in rows}


def record_linkage(store: Store, actor_of: dict[str, str], *, method: str, params: dict | None = None,
                   probability: dict[str, float] | None = None, evidence: dict[str, dict] | None = None,
                   lineage: Iterable = (), redirects: dict[str, str] | None = None,
                   at: datetime | None = None) -> int:
    """Store one linkage result; returns its ``linkage_run_id``.

    ``actor_of``: account key → actor ID (every linked account); ``probability`` and
    ``evidence`` per account key; ``lineage``: events with ``kind, actor_id, related_id,
    accounts`` (e.g. ``crawler.linkage.identity.LineageEvent``); ``redirects``: merged
    actor → surviving actor. Accounts absent from ``actor_of`` lose their current link."""
    at = at or now()
    probability, evidence, redirects = probability or {}, evidence or {}, redirects or {}
    links = {to_account_id(k): (actor, float(probability.get(k, 1.0)), evidence.get(k))
             for k, actor in actor_of.items()}
    events = [Lineage(e.kind, e.actor_id, e.related_id, tuple(to_account_id(a) for a in e.accounts))
              for e in lineage]

    def work(conn: Connection) -> int:
        _check_accounts(conn, set(links))
        runs = T["linkage_runs"]
        run_id = conn.execute(sa.insert(runs).values(
            started_at=at, finished_at=now(), method=method, params=params or {}, n_accounts=len(links),
            n_actors=len({a for a, _, _ in links.values()})).returning(runs.c.linkage_run_id)).scalar_one()
        ids = {a for a, _, _ in links.values()} | {e.actor_id for e in events} | set(redirects) | \
              {e.related_id for e in events if e.related_id} | set(redirects.values())
        _insert_new(conn, T["actors"], ("actor_id",),
                    [{"actor_id": a, "created_at": at, "created_by_linkage_run_id": run_id, "status": "active",
                      "updated_at": at} for a in sorted(ids)])
        actors = T["actors"]
        for old, new in sorted(redirects.items()):
            conn.execute(sa.update(actors).where(actors.c.actor_id == old)
                         .values(status="merged", merged_into=new, updated_at=at))
        _relink(conn, links, run_id, at)
        if events:
            conn.execute(sa.insert(T["actor_lineage"]),
                         [{"linkage_run_id": run_id, "kind": e.kind, "actor_id": e.actor_id,
                           "related_actor_id": e.related_id, "accounts": sorted(e.accounts), "created_at": at}
                          for e in events])
        return run_id

    return run_in_transaction(store.engine, work, lock="__linkage__")


def _check_accounts(conn: Connection, wanted: set[str]) -> None:
    va = T["vendor_accounts"]
    known = set()
    ids = sorted(wanted)
    for i in range(0, len(ids), 500):
        known |= set(conn.execute(sa.select(va.c.account_id).where(va.c.account_id.in_(ids[i:i + 500]))).scalars())
    unknown = wanted - known
    if unknown:
        raise ValueError(f"{len(unknown)} linked accounts are not in vendor_accounts, e.g. {sorted(unknown)[:3]}")


def _relink(conn: Connection, links: dict[str, tuple], run_id: int, at: datetime) -> None:
    """Close links that changed actor (or vanished), refresh the unchanged, insert the new."""
    aa = T["actor_accounts"]
    current = {r.account_id: r for r in conn.execute(
        sa.select(aa.c.id, aa.c.account_id, aa.c.actor_id).where(aa.c.valid_to.is_(None))).all()}
    close = [{"b_id": r.id} for acc, r in current.items() if acc not in links or links[acc][0] != r.actor_id]
    keep = [{"b_id": current[acc].id, "p_probability": p, "p_evidence": ev, "p_run": run_id}
            for acc, (actor, p, ev) in links.items() if acc in current and current[acc].actor_id == actor]
    new = [{"account_id": acc, "actor_id": actor, "probability": p, "evidence": ev, "linkage_run_id": run_id,
            "valid_from": at, "valid_to": None}
           for acc, (actor, p, ev) in links.items() if acc not in current or current[acc].actor_id != actor]
    by_id = aa.c.id == sa.bindparam("b_id")
    if close:
        conn.execute(sa.update(aa).where(by_id).values(valid_to=at), close)
    if keep:
        conn.execute(sa.update(aa).where(by_id).values(probability=sa.bindparam("p_probability"),
                                                       evidence=sa.bindparam("p_evidence"),
                                                       linkage_run_id=sa.bindparam("p_run")), keep)
    if new:
        conn.execute(sa.insert(aa), new)
