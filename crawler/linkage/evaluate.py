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
