"""Link the database's vendor accounts into actors with stable IDs.

``link_database(engine)`` (full) re-trains the model on all accounts and re-clusters;
``link_database(engine, incremental=True)`` keeps every existing assignment and only
places accounts that have none (new accounts) — into the actor of their best match
above the threshold when that actor has no account on the same site, else into a new
actor.  Both write a ``linkage_runs`` row, ``actors``, ``actor_accounts`` (probability
and evidence) and ``actor_lineage`` rows for every new / split / merge.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crawler.linkage.features import to_rows
from crawler.linkage.identity import Assignment, LineageEvent, assign_stable_ids
from crawler.linkage.model import DEFAULT_THRESHOLD, LinkResult, train_and_link
from crawler.linkage.records_db import records_from_db
from storage.models import Base

T = Base.metadata.tables

ACTOR_PREFIX = "VA"
METHOD = "splink-link_only-single_best_links"


@dataclass
class LinkSummary:
    linkage_run_id: int
    accounts: int
    actors: int
    new: int
    splits: int
    merges: int
    changed_accounts: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _current_assignment(conn: Connection) -> dict[str, str]:
    rows = conn.execute(sa.text("SELECT account_id, actor_id FROM actor_accounts WHERE valid_to IS NULL")).all()
    return {a: b for a, b in rows}


def _minter(conn: Connection):
    last = conn.execute(sa.text("SELECT max(actor_id) FROM actors WHERE actor_id LIKE :p"),
                        {"p": f"{ACTOR_PREFIX}%"}).scalar()
    counter = [int(last[len(ACTOR_PREFIX):]) if last else 0]

    def mint() -> str:
        counter[0] += 1
        return f"{ACTOR_PREFIX}{counter[0]:07d}"
    return mint


def _best_pairs(result: LinkResult, clusters: dict[str, str]) -> dict[str, dict]:
    """For each account, its strongest link inside its own cluster (probability + evidence)."""
    best: dict[str, dict] = {}
    if result.pairs.empty:
        return best
    p = result.pairs
    gammas = [c for c in p.columns if c.startswith("gamma_")]
    for row in p.itertuples(index=False):
        d = row._asdict()
        left, right = str(d["unique_id_l"]), str(d["unique_id_r"])
        if clusters.get(left) != clusters.get(right):
            continue
        prob = float(d["match_probability"])
        evidence = {"match_weight": round(float(d["match_weight"]), 3),
                    "levels": {g[len("gamma_"):]: int(d[g]) for g in gammas}}
        for me, other in ((left, right), (right, left)):
            if me not in best or prob > best[me]["probability"]:
                best[me] = {"probability": prob, "evidence": {"best_match": other, **evidence}}
    return best


def _incremental_clusters(result: LinkResult, previous_by_key: dict[str, str], threshold: float) -> dict[str, str]:
    """Keep existing accounts where they are; attach each new account to its best match's actor."""
    cluster_of = {k: f"old:{a}" for k, a in previous_by_key.items()}
    members_sites: dict[str, set] = {}
    for k, c in cluster_of.items():
        members_sites.setdefault(c, set()).add(k.split(":", 1)[0])
    pairs = result.pairs.sort_values("match_probability", ascending=False) if not result.pairs.empty else result.pairs
    all_keys = set(result.clusters)
    new_keys = sorted(all_keys - set(previous_by_key))
    for row in pairs.itertuples(index=False):
        if row.match_probability < threshold:
            break
        left, right = str(row.unique_id_l), str(row.unique_id_r)
        for me, other in ((left, right), (right, left)):
            if me in cluster_of or other not in cluster_of:
                continue
            target = cluster_of[other]
            site = me.split(":", 1)[0]
            if site in members_sites.setdefault(target, set()):
                continue
            cluster_of[me] = target
            members_sites[target].add(site)
    for k in new_keys:
        cluster_of.setdefault(k, f"new:{k}")
    return cluster_of


def link_database(engine: Engine, incremental: bool = False, threshold: float = DEFAULT_THRESHOLD) -> LinkSummary:
    records, account_ids = records_from_db(engine)
    key_of = {v: k for k, v in account_ids.items()}
    rows = to_rows(records)
    started = _now()
    with engine.connect() as conn:
        previous = _current_assignment(conn)
    previous_by_key = {key_of[a]: actor for a, actor in previous.items() if a in key_of}
    result = train_and_link(rows, threshold=threshold) if rows else LinkResult(pd.DataFrame(), {})
    clusters = _incremental_clusters(result, previous_by_key, threshold) if incremental else result.clusters
    groups: dict[str, set] = {}
    for k, c in clusters.items():
        groups.setdefault(c, set()).add(account_ids[k])
    best = _best_pairs(result, clusters)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x56494701})
        previous = _current_assignment(conn)
        assignment = assign_stable_ids(previous, groups.values(), _minter(conn))
        run_id = _write(conn, assignment, previous, best, key_of, started, incremental, threshold, len(rows))
    return LinkSummary(run_id, len(rows), len(set(assignment.actor_of.values())),
                       sum(e.kind == "new" for e in assignment.events), sum(e.kind == "split" for e in assignment.events),
                       sum(e.kind == "merge" for e in assignment.events),
                       sum(1 for a, actor in assignment.actor_of.items() if previous.get(a) != actor))


def _write(conn: Connection, assignment: Assignment, previous: dict[str, str], best: dict, key_of: dict,
           started: datetime, incremental: bool, threshold: float, n_accounts: int) -> int:
    now = _now()
    run_id = conn.execute(sa.insert(T["linkage_runs"]).values(
        started_at=started, finished_at=now, method=METHOD, n_accounts=n_accounts,
        n_actors=len(set(assignment.actor_of.values())),
        params={"incremental": incremental, "threshold": threshold}).returning(
        T["linkage_runs"].c.linkage_run_id)).scalar_one()
    actors = T["actors"]
    existing = set(conn.execute(sa.select(actors.c.actor_id)).scalars())
    new_actors = sorted(set(assignment.actor_of.values()) - existing)
    if new_actors:
        conn.execute(sa.insert(actors), [{"actor_id": a, "created_at": now, "created_by_linkage_run_id": run_id,
                                          "status": "active", "updated_at": now} for a in new_actors])
    for old, new in assignment.redirects.items():
        conn.execute(sa.update(actors).where(actors.c.actor_id == old)
                     .values(status="merged", merged_into=new, updated_at=now))
    links = T["actor_accounts"]
    changed = [(a, actor) for a, actor in sorted(assignment.actor_of.items()) if previous.get(a) != actor]
    moved = [a for a, _ in changed if a in previous]
    if moved:
        conn.execute(sa.update(links).where(links.c.account_id.in_(moved), links.c.valid_to.is_(None))
                     .values(valid_to=now))
    rows = []
    for account, actor in changed:
        link = best.get(key_of.get(account, ""), {"probability": 1.0, "evidence": {"best_match": None}})
        rows.append({"account_id": account, "actor_id": actor, "probability": min(1.0, max(0.0, link["probability"])),
                     "evidence": link["evidence"], "linkage_run_id": run_id, "valid_from": now})
    if rows:
        conn.execute(sa.insert(links), rows)
    lineage = [{"linkage_run_id": run_id, "kind": ev.kind, "actor_id": ev.actor_id, "related_actor_id": ev.related_id,
                "accounts": list(ev.accounts), "created_at": now} for ev in assignment.events]
    if lineage:
        conn.execute(sa.insert(T["actor_lineage"]), lineage)
    return run_id
