"""Pairwise precision, recall and F1 of a clustering against the truth."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Iterable


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "true_pairs": self.true_pairs, "predicted_pairs": self.predicted_pairs,
                "correct_pairs": self.correct_pairs}


def _pairs(assignment: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for account, cluster in assignment.items():
        groups.setdefault(cluster, []).append(account)
    out: set[tuple[str, str]] = set()
    for members in groups.values():
        out.update(combinations(sorted(members), 2))
    return out


def pairwise_scores(predicted: dict[str, str], truth: dict[str, str],
                    restrict_to: Iterable[tuple[str, str]] | None = None) -> Scores:
    """Scores over account pairs; ``restrict_to`` limits them to a subset of pairs
    (e.g. the true alias pairs that share no PGP key), counting predictions on those pairs."""
    keys = set(predicted) & set(truth)
    pred = _pairs({k: predicted[k] for k in keys})
    true = _pairs({k: truth[k] for k in keys})
    if restrict_to is not None:
        subset = {tuple(sorted(p)) for p in restrict_to}
        pred, true = pred & subset, true & subset
    correct = len(pred & true)
    precision = correct / len(pred) if pred else 1.0
    recall = correct / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(true), len(pred), correct)


def linked_accounts(engine) -> tuple[dict[str, str], dict[str, set]]:
    """From a Vigie database: current actor of each account ("site:handle") and the PGP
    fingerprints each account has shown."""
    import sqlalchemy as sa
    with engine.connect() as conn:
        predicted = dict(conn.execute(sa.text(
            "SELECT a.site_id || ':' || a.handle, aa.actor_id FROM actor_accounts aa JOIN vendor_accounts a "
            "ON a.account_id = aa.account_id WHERE aa.valid_to IS NULL")).all())
        fingerprints: dict[str, set] = {}
        for key, fp in conn.execute(sa.text(
                "SELECT a.site_id || ':' || a.handle, v.pgp_fingerprint FROM vendor_versions v "
                "JOIN vendor_accounts a ON a.account_id = v.account_id")).all():
            fingerprints.setdefault(key, set()).add(fp)
    return predicted, fingerprints


def score_linkage(predicted: dict[str, str], truth: dict[str, str], fingerprints: dict[str, set],
                  actors) -> dict:
    """Scores of a clustering (account key -> cluster) against the truth (account key -> actor):
    overall, on true alias pairs that share no PGP key (``fingerprints``: key -> fingerprints
    shown), and how many impostors among ``actors`` (the world's) share a cluster with the
    actor they imitate."""
    groups: dict[str, list] = {}
    for k in predicted:
        if k in truth:
            groups.setdefault(truth[k], []).append(k)
    no_key = [(a, b) for m in groups.values() for a, b in combinations(sorted(m), 2)
              if not ((fingerprints.get(a, set()) & fingerprints.get(b, set())) - {None})]
    by_id = {a.actor_id: a for a in actors}
    merged = sum(1 for a in actors if a.kind == "impostor" and a.imitates and
                 {predicted.get(f"{s}:{h}") for s, h in a.accounts} - {None} &
                 {predicted.get(f"{s}:{h}") for s, h in by_id[a.imitates].accounts})
    return {"overall": pairwise_scores(predicted, truth).as_dict(),
            "no_shared_pgp_key": pairwise_scores(predicted, truth, restrict_to=no_key).as_dict(),
            "impostors": sum(1 for a in actors if a.kind == "impostor"),
            "impostors_merged": merged, "accounts": len(predicted)}


def evaluate_database(engine, world) -> dict:
    """Scores of the database's actors against the mock world's truth (``score_linkage``)."""
    predicted, fps = linked_accounts(engine)
    truth = {f"{s}:{h}": a.actor_id for a in world.actors for s, h in a.accounts}
    return score_linkage(predicted, truth, fps, world.actors)
