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
from functools import lru_cache

_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s",
                       "$": "s", "7": "t", "8": "b", "9": "g"})
_CAMEL = re.compile(r"(?<=[a-z\d])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TAG = re.compile(r"<[^>]*>")
# tokens that decorate a handle without identifying anyone (country tags, "official", "the").
# Generic business words ("shop", "store", "market") are part of a brand name: dropping them
# only when camelCase or a separator exposes them would turn "MysticStore" and "mysticstore"
# into different names.
HANDLE_NOISE = frozenset({
    "nl", "be", "de", "uk", "us", "usa", "eu", "fr", "es", "it", "au", "ca", "pl", "ch", "at",
    "official", "the", "real", "original", "og", "new",
})
# the same decorations glued to an all-lower-case handle ("thevaporstore", "dutchmastersofficial")
_GLUED_PREFIX = ("the", "real")
_GLUED_SUFFIX = ("official",)
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff]")     # symbols, emoji, flag letters
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


@lru_cache(maxsize=1 << 16)
def normalise_handle(handle: str) -> str:
    """'Dutch_Masters_NL', 'DutchM4sters', 'dutchmaster', 'DutchMasters2Official' -> 'dutchmaster'
    (case, separators, leetspeak, digits, country tags and other decorations, a final plural 's'
    removed)."""
    tokens = [t.translate(_LEET) for t in handle_tokens(handle)]
    tokens = [re.sub(r"\d+", "", t) for t in tokens]
    kept = [t for t in tokens if t and t not in HANDLE_NOISE] or [t for t in tokens if t]
    joined = "".join(kept)
    for prefix in _GLUED_PREFIX:
        if joined.startswith(prefix) and len(joined) - len(prefix) >= 4:
            joined = joined[len(prefix):]
    for suffix in _GLUED_SUFFIX:
        if joined.endswith(suffix) and len(joined) - len(suffix) >= 4:
            joined = joined[:-len(suffix)]
    return joined[:-1] if len(joined) > 4 and joined.endswith("s") else joined


def deletion_keys(name: str | None, min_len: int = 5) -> list[str]:
    """The name with one character deleted, at each position ("deletion neighbourhood"):
    two names within one edit (insertion, deletion, substitution, adjacent swap) share a
    key, so look-alikes and typos meet in an equi-join instead of a quadratic prefix block.
    Names shorter than ``min_len`` get none (too many unrelated names are one edit apart)."""
    if not name or len(name) < min_len:
        return []
    return sorted({name[:i] + name[i + 1:] for i in range(len(name))})


def profile_tokens(text: str | None, limit: int = 40, handle: str | None = None) -> list[str]:
    """Distinctive lower-case words and the emoji of a profile (a style fingerprint), most
    frequent first.  Words that spell the account's own handle are left out: the handle is
    compared on its own, and counting it twice would make two namesakes look like one writer."""
    if not text:
        return []
    own = normalise_handle(handle) if handle else None
    text = _TAG.sub(" ", text)
    words = [w.lower() for w in _WORD.findall(text)]
    counts = Counter(w for w in words if w not in PROFILE_STOPWORDS and not (own and normalise_handle(w) == own))
    counts.update(_EMOJI.findall(text))
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
            "handle_del1": deletion_keys(hn) or None,
            "pgp_fps": sorted(set(r.pgp_fingerprints)) or None,
            "uid_names": uid_names(r.pgp_user_ids) or None,
            "contacts": sorted(set(c.lower() for c in r.contacts)) or None,
            "profile_tokens": profile_tokens(r.profile_text, handle=r.handle) or None,
            "ships_from": sorted(set(r.ships_from)) or None,
            "categories": sorted(set(r.categories)) or None,
            "price_level": level,
        })
    return rows
