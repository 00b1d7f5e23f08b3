"""Features for linking vendor accounts across sites.

One record per site account.  Every feature is derived from what the sites show:
the handle, PGP keys (fingerprints and user-ID names), contact handles, profile text,
and the account's listings (ships-from places, categories, price level).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s",
                       "$": "s", "7": "t", "8": "b", "9": "g"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TAG = re.compile(r"<[^>]*>")
# tokens that decorate a handle without identifying anyone
HANDLE_NOISE = frozenset({
    "nl", "be", "de", "uk", "us", "usa", "eu", "fr", "es", "it", "au", "ca", "pl", "ch", "at",
    "official", "shop", "store", "team", "the", "real", "original", "og", "new", "world", "market",
})
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
PROFILE_STOPWORDS = frozenset("""
    with from that this have your will only ship ships shipping order orders days stealth vacuum
    sealed pack packed quality best price prices fast free reship refund feedback please contact
    pour avec vous nous dans livraison commande envoi sans plus tous toutes votre notre
    voor niet zijn deze onze jouw bestellingen verzending alle
    mit sind nicht oder eure unsere versand bestellung
    """.split())


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def handle_tokens(handle: str) -> list[str]:
    """Split a handle into lower-case tokens: camelCase, separators, digits-as-letters."""
    text = _TAG.sub(" ", handle)
    text = _CAMEL.sub(" ", _ascii(text))
    return [t for t in _NON_ALNUM.split(text.lower()) if t]


def normalise_handle(handle: str) -> str:
    """'Dutch_Masters_NL', 'DutchM4sters', 'dutchmaster' -> 'dutchmaster' (case, separators,
    leetspeak, digits, country suffixes and a final plural 's' removed)."""
    tokens = [t.translate(_LEET) for t in handle_tokens(handle)]
    tokens = [re.sub(r"\d+", "", t) for t in tokens]
    kept = [t for t in tokens if t and t not in HANDLE_NOISE] or [t for t in tokens if t]
    joined = "".join(kept)
    return joined[:-1] if len(joined) > 4 and joined.endswith("s") else joined


def profile_tokens(text: str | None, limit: int = 40) -> list[str]:
    """Distinctive lower-case words of a profile (a style fingerprint), most frequent first."""
    if not text:
        return []
    words = [w.lower() for w in _WORD.findall(_TAG.sub(" ", text))]
    counts = Counter(w for w in words if w not in PROFILE_STOPWORDS)
    return sorted(counts, key=lambda w: (-counts[w], w))[:limit]


def uid_names(user_ids: list[str] | tuple[str, ...]) -> list[str]:
    """Normalised names from PGP user IDs ('Dutch Masters <dm@x>' -> 'dutchmaster')."""
    names = []
    for uid in user_ids:
        name = uid.split("<", 1)[0].strip()
        if name:
            names.append(normalise_handle(name))
    return sorted(set(n for n in names if n))


def price_level(unit_prices_by_category: dict[str, list[float]], reference: dict[str, float]) -> float | None:
    """Median ratio of the account's unit prices to the market reference for the same category."""
    ratios = []
    for cat, prices in unit_prices_by_category.items():
        ref = reference.get(cat)
        if ref:
            ratios += [p / ref for p in prices if p > 0]
    if not ratios:
        return None
    ratios.sort()
    return round(ratios[len(ratios) // 2], 3)


@dataclass
class AccountRecord:
    """One site account, as the linkage sees it."""
    site: str
    handle: str
    pgp_fingerprints: list[str] = field(default_factory=list)
    pgp_user_ids: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)          # "kind:value"
    profile_text: str | None = None
    ships_from: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    unit_prices: dict[str, list[float]] = field(default_factory=dict)
    first_seen_day: int | None = None

    @property
    def key(self) -> str:
        return f"{self.site}:{self.handle}"


def to_rows(records: list[AccountRecord]) -> list[dict]:
    """Feature rows for the linkage model (one per account)."""
    reference: dict[str, list[float]] = {}
    for r in records:
        for cat, prices in r.unit_prices.items():
            reference.setdefault(cat, []).extend(prices)
    ref_median = {c: sorted(v)[len(v) // 2] for c, v in reference.items() if v}
    rows = []
    for r in records:
        hn = normalise_handle(r.handle)
        level = price_level(r.unit_prices, ref_median)
        rows.append({
            "unique_id": r.key,
            "site": r.site,
            "handle": r.handle,
            "handle_norm": hn or None,
            "handle_prefix": hn[:4] or None,
            "pgp_fps": sorted(set(r.pgp_fingerprints)) or None,
            "uid_names": uid_names(r.pgp_user_ids) or None,
            "contacts": sorted(set(c.lower() for c in r.contacts)) or None,
            "profile_tokens": profile_tokens(r.profile_text) or None,
            "ships_from": sorted(set(r.ships_from)) or None,
            "categories": sorted(set(r.categories)) or None,
            "price_level": level,
        })
    return rows
