"""Categories: a site's category label (or slang) → a taxonomy key of
``mock_sites.world.model.CATEGORIES``, from the data in taxonomy.toml.

A label is matched whole (case- and accent-folded); a path "A > B" is tried whole, then
its last segment, then its first.  Unknown labels give "other" (the label is kept by the
caller as ``category_raw``).  Without a label, the product slang of the title decides.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.normalise.text import fold, load_toml

OTHER = "other"
_PATH = re.compile(r"\s*(?:>|»|/|::|→)\s*")


@dataclass(frozen=True)
class Taxonomy:
    keys: tuple[str, ...]
    labels: dict[str, str]                   # folded label → key
    slang: dict[str, str]                    # folded slang word → key
    count_unit: dict[str, str]               # key → unit of a bare count
    classifier: dict


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    data = load_toml("taxonomy.toml")
    labels: dict[str, str] = {}
    slang: dict[str, str] = {}
    for key, entry in data["categories"].items():
        for label in [key, entry["label_en"], entry["label_fr"], *entry["labels"]]:
            seen = labels.setdefault(fold(label), key)
            if seen != key and label not in (entry["label_en"], entry["label_fr"]):
                raise ValueError(f"taxonomy.toml: label {label!r} is in both {seen!r} and {key!r}")
        for word in entry["slang"]:
            slang.setdefault(fold(word), key)
    return Taxonomy(tuple(data["categories"]), labels, slang,
                    {k: e["count_unit"] for k, e in data["categories"].items()}, data["classifier"])


def category_of_label(label: str | None) -> str | None:
    """The taxonomy key of a site label; None when the label is unknown."""
    if not label or not label.strip():
        return None
    labels = taxonomy().labels
    whole = fold(label)
    if whole in labels:
        return labels[whole]
    parts = [p for p in _PATH.split(whole) if p]
    for part in (parts[-1:] + parts[:1]) if len(parts) > 1 else ():
        if part in labels:
            return labels[part]
    return None


def category_of_text(text: str) -> str | None:
    """The category whose slang appears first in ``text`` (a title), None when none does."""
    words = re.findall(r"[\w-]+", fold(text))
    for word in words:
        if word in taxonomy().slang:
            return taxonomy().slang[word]
    return None


def categorise(label: str | None, title: str) -> str:
    """Taxonomy key: from the label, or (no label) from the title's slang; "other" when unknown."""
    if label and label.strip():
        return category_of_label(label) or OTHER
    return category_of_text(title) or OTHER


def count_unit(category: str) -> str:
    return taxonomy().count_unit.get(category, "pill")
