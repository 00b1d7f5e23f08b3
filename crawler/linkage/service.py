"""Link the database's vendor accounts into actors with stable IDs.

``link_database(engine)`` (full) re-trains the model on all accounts and re-clusters;
``link_database(engine, incremental=True)`` keeps every existing assignment and only
places accounts that have none (new accounts): with the model the last training run
stored (no training when there is one), only pairs with a new account on one side are
scored, and each new account joins the actor of its best match above the threshold when
that actor has no account on the same site (or a new actor with the new accounts it
matches), else a new actor of its own.  Both write a ``linkage_runs`` row (parameters,
and the trained model when the run trained one), ``actors``, ``actor_accounts``
(probability and evidence) and ``actor_lineage`` rows for every new / split / merge.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crawler.linkage.features import to_rows
from crawler.linkage.identity import Assignment, LineageEvent, assign_stable_ids
from crawler.linkage.model import DEFAULT_THRESHOLD, MODEL_VERSION, LinkResult, train_and_link
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
    for d in result.pairs.to_dict("records"):
        left, right = str(d["unique_id_l"]), str(d["unique_id_r"])
        if clusters.get(left) != clusters.get(right):
            continue
        prob = float(d["match_probability"])
        evidence = {"match_weight": round(float(d["match_weight"]), 3), "levels": result.evidence(d)}
        if isinstance(d.get("rule"), str):          # pandas gives NaN where no rule fired
            evidence["rule"] = d["rule"]
        for me, other in ((left, right), (right, left)):
            if me not in best or prob > best[me]["probability"]:
                best[me] = {"probability": prob, "evidence": {"best_match": other, **evidence}}
    return best


def incremental_clusters(result: LinkResult, previous_by_key: dict[str, str], threshold: float) -> dict[str, str]:
    """Keep existing accounts where they are; place each new account, strongest pair first,
    with its match: an existing actor, or another new account (a new actor with accounts
    on several sites).  A cluster never takes a second account on the same site."""
    cluster_of = {k: f"old:{a}" for k, a in previous_by_key.items()}
    members_sites: dict[str, set] = {}
    for k, c in cluster_of.items():
        members_sites.setdefault(c, set()).add(k.split(":", 1)[0])
    pairs = result.pairs.sort_values(["match_probability", "unique_id_l", "unique_id_r"],
                                     ascending=[False, True, True]) if not result.pairs.empty else result.pairs
    for row in pairs.itertuples(index=False):
        if row.match_probability < threshold:
            break
        left, right = str(row.unique_id_l), str(row.unique_id_r)
        for me, other in ((left, right), (right, left)):
            if me in cluster_of:
                continue
            if other not in cluster_of:          # two new accounts: the pair starts a new actor
                cluster_of[other] = f"new:{other}"
                members_sites[cluster_of[other]] = {other.split(":", 1)[0]}
            target = cluster_of[other]
            site = me.split(":", 1)[0]
            if site in members_sites[target]:
                continue
            cluster_of[me] = target
            members_sites[target].add(site)
    for k in sorted(set(result.clusters) - set(cluster_of)):
        cluster_of[k] = f"new:{k}"
    return cluster_of


def _last_model(engine: Engine) -> dict | None:
    """The Splink model trained by the latest run that trained one, if it is of this code's
    ``MODEL_VERSION`` (None: retrain)."""
    with engine.connect() as conn:
        for (params,) in conn.execute(sa.text(
                "SELECT params FROM linkage_runs ORDER BY linkage_run_id DESC")):
            params = json.loads(params) if isinstance(params, str) else params
            if params and params.get("model"):
                return params["model"] if params.get("model_version") == MODEL_VERSION else None
    return None


def link_database(engine: Engine, incremental: bool = False, threshold: float = DEFAULT_THRESHOLD) -> LinkSummary:
    records, account_ids = records_from_db(engine)
    key_of = {v: k for k, v in account_ids.items()}
    rows = to_rows(records)
    started = _now()
    with engine.connect() as conn:
        previous = _current_assignment(conn)
    previous_by_key = {key_of[a]: actor for a, actor in previous.items() if a in key_of}
    new_ids = {r["unique_id"] for r in rows} - set(previous_by_key) if incremental else None
    model = _last_model(engine) if incremental else None
    result = train_and_link(rows, threshold=threshold, new_ids=new_ids, model=model) if rows else \
        LinkResult(pd.DataFrame(), {})
    trained = model is None and result.model is not None
    params = {"incremental": incremental, "threshold": threshold, "trained": trained}
    if trained:
        params.update(model=result.model, model_version=MODEL_VERSION)   # what later incremental runs score with
    clusters = incremental_clusters(result, previous_by_key, threshold) if incremental else result.clusters
    groups: dict[str, set] = {}
    for k, c in clusters.items():
        groups.setdefault(c, set()).add(account_ids[k])
    best = _best_pairs(result, clusters)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x56494701})
        previous = _current_assignment(conn)
        assignment = assign_stable_ids(previous, groups.values(), _minter(conn))
        run_id = _write(conn, assignment, previous, best, key_of, started, params, len(rows))
    return LinkSummary(run_id, len(rows), len(set(assignment.actor_of.values())),
                       sum(e.kind == "new" for e in assignment.events), sum(e.kind == "split" for e in assignment.events),
                       sum(e.kind == "merge" for e in assignment.events),
                       sum(1 for a, actor in assignment.actor_of.items() if previous.get(a) != actor))


def _write(conn: Connection, assignment: Assignment, previous: dict[str, str], best: dict, key_of: dict,
           started: datetime, params: dict, n_accounts: int) -> int:
    now = _now()
    run_id = conn.execute(sa.insert(T["linkage_runs"]).values(
        started_at=started, finished_at=now, method=METHOD, n_accounts=n_accounts,
        n_actors=len(set(assignment.actor_of.values())),
        params=params).returning(
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
