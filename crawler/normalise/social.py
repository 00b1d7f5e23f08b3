"""Social posts: hashtags, city keywords and the drug-advert classifier.

- Hashtags: ``#word`` (Unicode word characters), lower case, without "#", in order of first
  appearance, without duplicates (how the feed itself reads them).
- City keywords: the keywords the spider found the post under (``RawPost.city_hint``,
  comma-separated) plus the cities of cities.toml named in the text as a whole word or a
  hashtag (case- and accent-folded), as their keys (a keyword that is no city of cities.toml
  folded as written), sorted.
- ``advert_score``: a transparent sum of weights from the ``[classifier]`` table of
  taxonomy.toml — product slang of the taxonomy (full weight as a hashtag or an
  unambiguous word, a fraction for ambiguous words such as "shit"), a labelled messenger
  handle, a phone number, a price pattern, words of the trade; ``is_advert`` when the score
  reaches the threshold.  tests/test_normalise_truth.py checks its precision and recall
  (at least 0.9 each) against the mock feed's labels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.normalise.contacts import find_contacts
from crawler.normalise.taxonomy import taxonomy
from crawler.normalise.text import fold, load_toml

_HASHTAG = re.compile(r"#(\w+)")
# (?<!\d): a number is tried from its first digit only, so a long run of digits is scanned once
_PRICE = re.compile(r"(?<!\d)\d+(?:[.,]\d+)?\s*(?:€|eur\b|euros?\b|balles\b)|€\s*\d+"
                    r"|(?<!\d)\d+\s*€?\s*/\s*(?:g|gr|gramme)\b", re.IGNORECASE)


def hashtags(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.lower() for t in _HASHTAG.findall(text[:20_000])))


@lru_cache(maxsize=1)
def _cities() -> tuple[dict[str, str], dict[str, str]]:
    """(folded name → city key, city key → country)."""
    data = load_toml("cities.toml")["cities"]
    names = {fold(n): key for key, entry in data.items() for n in [key, *entry["names"]]}
    return names, {key: entry["country"] for key, entry in data.items()}


def city_keywords(text: str, hint: str | None) -> tuple[str, ...]:
    names, _ = _cities()
    hints = (fold(k) for k in (hint or "").split(",") if k.strip())
    found = {names.get(k, k) for k in hints}          # "Brussels" → bruxelles, an unknown city as written
    for word in re.findall(r"\w+", fold(text[:20_000])):
        if word in names:
            found.add(names[word])
    return tuple(sorted(found))


def phone_region(cities: tuple[str, ...], default: str) -> str:
    """The country whose national phone format a post about these cities uses."""
    countries = {_cities()[1].get(c) for c in cities} - {None}
    return countries.pop() if len(countries) == 1 else default


@dataclass(frozen=True, slots=True)
class AdvertScore:
    score: float
    is_advert: bool
    reasons: tuple[str, ...]


def advert_score(text: str, contacts: tuple[tuple[str, str], ...] | None = None) -> AdvertScore:
    """The classifier's score for one post (see the module docstring)."""
    cfg, slang = taxonomy().classifier, taxonomy().slang
    folded = fold(text[:20_000])
    tags = {fold(t) for t in _HASHTAG.findall(folded)}
    words = set(re.findall(r"[\w-]+", _HASHTAG.sub(" ", folded)))
    ambiguous = {fold(w) for w in cfg["ambiguous"]}
    terms = []
    for term in slang:
        if term in tags:
            terms.append((cfg["slang_weight"] + cfg["hashtag_bonus"], "#" + term))
        elif (" " in term and term in folded) or term in words:
            factor = cfg["ambiguous_factor"] if term in ambiguous else 1.0
            terms.append((cfg["slang_weight"] * factor, term))
    terms = sorted(terms, reverse=True)[:cfg["max_slang"]]
    reasons = [name for _, name in terms]
    score = sum(w for w, _ in terms)
    contacts = find_contacts(text) if contacts is None else contacts
    kinds = {k for k, _ in contacts}
    if kinds - {"phone", "email"}:
        score += cfg["messenger_weight"]
        reasons.append("messenger")
    if "phone" in kinds:
        score += cfg["phone_weight"]
        reasons.append("phone")
    if _PRICE.search(folded):
        score += cfg["price_weight"]
        reasons.append("price")
    trade = [w for w in (fold(x) for x in cfg["trade_words"])
             if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", folded) or w in tags][:cfg["max_trade"]]
    score += cfg["trade_weight"] * len(trade)
    reasons.extend(trade)
    score = round(score, 3)
    return AdvertScore(score, score >= cfg["threshold"], tuple(reasons))
