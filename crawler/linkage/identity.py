"""Stable actor IDs across re-linkage.

Given the previous account→actor assignment and the new clusters, decide which actor
ID each new cluster carries:
- a cluster keeps the old ID it overlaps most (ties go to the older ID, i.e. the one
  created first); each old ID is kept by at most one cluster;
- an old ID that no cluster keeps is *merged*: it redirects to the ID of the cluster
  that received most of its accounts;
- a cluster that keeps no old ID mints a new one; if its accounts came from an existing
  actor that is a *split*, otherwise a *new* actor.
Unchanged clusters keep their IDs, so a re-run with no new data changes nothing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable


@dataclass(frozen=True)
class LineageEvent:
    kind: str                 # "new" | "split" | "merge"
    actor_id: str             # the ID minted (new/split) or the ID that disappears (merge)
    related_id: str | None    # split: the actor it came from; merge: the actor it redirects to
    accounts: tuple[str, ...]


@dataclass
class Assignment:
    actor_of: dict[str, str]                      # account key -> actor ID
    events: list[LineageEvent] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)   # merged ID -> surviving ID

    @property
    def changed(self) -> bool:
        return bool(self.events)


def assign_stable_ids(previous: dict[str, str], clusters: Iterable[Iterable[str]],
                      mint: Callable[[], str], age: Callable[[str], object] | None = None) -> Assignment:
    """``previous``: account -> actor ID from the last linkage; ``clusters``: the new clusters
    (sets of account keys); ``mint()`` returns a fresh ID; ``age(id)`` orders IDs, older first
    (default: the ID itself, since IDs are minted in increasing order)."""
    age = age or (lambda actor_id: actor_id)
    clusters = [tuple(sorted(set(c))) for c in clusters]
    clusters.sort(key=lambda c: (-len(c), c))
    # candidate (cluster, old id) pairs by overlap
    candidates = []
    for ci, members in enumerate(clusters):
        overlap = Counter(previous[a] for a in members if a in previous)
        for old_id, n in overlap.items():
            candidates.append((-n, age(old_id), old_id, ci))
    candidates.sort()
    kept: dict[int, str] = {}
    taken: set[str] = set()
    for _, _, old_id, ci in candidates:
        if ci not in kept and old_id not in taken:
            kept[ci] = old_id
            taken.add(old_id)
    result = Assignment(actor_of={})
    for ci, members in enumerate(clusters):
        actor_id = kept.get(ci)
        if actor_id is None:
            actor_id = mint()
            origins = Counter(previous[a] for a in members if a in previous)
            if origins:
                source = sorted(origins, key=lambda o: (-origins[o], age(o)))[0]
                result.events.append(LineageEvent("split", actor_id, source, members))
            else:
                result.events.append(LineageEvent("new", actor_id, None, members))
        for a in members:
            result.actor_of[a] = actor_id
    # old IDs no cluster kept: merged into where most of their accounts went
    old_members: dict[str, list[str]] = {}
    for a, old_id in previous.items():
        old_members.setdefault(old_id, []).append(a)
    for old_id, members in sorted(old_members.items()):
        if old_id in taken:
            continue
        dest = Counter(result.actor_of[a] for a in members if a in result.actor_of)
        if not dest:
            continue   # all its accounts vanished from the input: keep the ID, nothing to redirect
        target = sorted(dest, key=lambda t: (-dest[t], age(t)))[0]
        result.redirects[old_id] = target
        result.events.append(LineageEvent("merge", old_id, target, tuple(sorted(members))))
    return result
