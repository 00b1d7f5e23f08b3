"""Counter-based randomness: every (entity, day) draws from its own seeded stream.

Python's ``hash()`` is salted per process, so sub-seeds are derived with BLAKE2b over
the world seed and a path of labels (``rng_for(seed, "listing", "104233", 12)``).
Any entity on any day can therefore be computed without replaying earlier days.
``mix64`` is the vectorised counterpart (SplitMix64 finaliser on numpy arrays) used for
the per-listing, per-day sales counts.
"""
from __future__ import annotations

import hashlib
import random
from bisect import bisect
from itertools import accumulate
from typing import Sequence, TypeVar

import numpy as np

T = TypeVar("T")
_MASK64 = (1 << 64) - 1


def key64(seed: int, *parts: object) -> int:
    """A 64-bit key derived from the seed and a path of labels (stable across processes)."""
    text = "\x1f".join([str(seed), *map(str, parts)]).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent ``random.Random`` for the given path of labels."""
    return random.Random(key64(seed, *parts))


def weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    cum = list(accumulate(weights))
    return items[bisect(cum, rng.random() * cum[-1])]


def quotas(shares: dict[str, float], n: int) -> list[str]:
    """Exactly ``n`` labels in proportion to ``shares`` (largest remainder), in key order."""
    total = sum(shares.values())
    exact = {k: v / total * n for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = n - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:rest]:
        counts[k] += 1
    return [k for k in shares for _ in range(counts[k])]


def mix64(key: int, a: np.ndarray, b: int) -> np.ndarray:
    """SplitMix64 of (key, a[i], b) for a uint64 array ``a``: uniform 64-bit words."""
    with np.errstate(over="ignore"):
        x = a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= np.uint64((key ^ (b * 0xD1B54A32D192ED03)) & _MASK64)
        x += np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def uniforms(key: int, a: np.ndarray, b: int) -> np.ndarray:
    """Uniform floats in [0, 1), one per element of ``a``, for counter ``b``."""
    return (mix64(key, a, b) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
