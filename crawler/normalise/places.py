"""Places: names as sites write them → ISO 3166-1 alpha-2 codes or region codes.

Countries come from pycountry (names, official and common names, alpha-2/3 codes) and
pycountry's French, Dutch and German translations; regions ("EU", "European Union",
"Europe", "Worldwide", "World Wide", "Monde entier", ...) keep a region code of
``mock_sites.world.model.REGIONS`` and never become a fake country; "Undeclared", "-",
"Non déclaré" mean None.  Extra spellings live in places.toml.  A list is split on commas,
semicolons, slashes and "&"/"and"/"et" (a name holding one of them, e.g. "Bosnia and
Herzegovina", is tried whole first); "Worldwide except USA, UK" gives exclusions.  An
unknown place is a QuarantineError naming the field and the name (add its spelling to
places.toml and re-normalise the quarantined item).
"""
from __future__ import annotations

import gettext
import re
from functools import lru_cache

import pycountry

from crawler.items import QuarantineError
from crawler.normalise.text import bounded, fold, load_toml

LANGUAGES = ("fr", "nl", "de")
_EXCEPT = re.compile(r"\s*(?:\(|\b)(?:except|excluding|excl\.?|but not|not to|sauf|hors|excepté|behalve|"
                     r"uitgezonderd|außer|ausser|ohne)\b[:\s]*", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*[,;/|]\s*")
_JOINERS = re.compile(r"\s+(?:&|and|et|en|und)\s+|\s*&\s*", re.IGNORECASE)


@lru_cache(maxsize=1)
def _names() -> dict[str, str | None]:
    """Folded name → code (alpha-2, region code, or None for "undeclared")."""
    data = load_toml("places.toml")
    names: dict[str, str | None] = {}
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
                    for lang in LANGUAGES]
    def english(country) -> list[str]:
        return [n for n in (country.name, getattr(country, "common_name", None),
                            getattr(country, "official_name", None)) if n]

    for country in pycountry.countries:          # codes and English names first: they win
        names[fold(country.alpha_2)] = country.alpha_2
        names.setdefault(fold(country.alpha_3), country.alpha_2)
        for name in english(country):
            names.setdefault(fold(name), country.alpha_2)
    for country in pycountry.countries:
        for name in english(country):
            names.setdefault(fold(name.split(",")[0]), country.alpha_2)
            for tr in translations:
                local = tr.gettext(name)
                for variant in (local, local.split(",")[0]):
                    names.setdefault(fold(variant), country.alpha_2)
    for code, aliases in data["aliases"].items():
        for alias in aliases:
            names[fold(alias)] = code
    for region, aliases in data["regions"].items():
        for alias in aliases:
            names[fold(alias)] = region
    for name in data["undeclared"]["names"]:
        names[fold(name)] = None
    return names


def is_undeclared(text: str | None) -> bool:
    return text is None or not text.strip() or (fold(text) in _names() and _names()[fold(text)] is None)


def place(text: str, field: str = "place") -> str | None:
    """One place: a code, a region code, or None (undeclared)."""
    key = fold(text.strip().strip(".").strip())
    if not key:
        return None
    names = _names()
    if key not in names:
        raise QuarantineError(f"{field}: unknown place {text.strip()!r}")
    return names[key]


@lru_cache(maxsize=1)
def _longest_run() -> int:
    """The most list parts one known name spans ("Korea, Republic of" spans 2)."""
    return max(len(_SEPARATORS.split(name)) for name in _names())


def _split(text: str, field: str) -> list[str | None]:
    """Places of a list, longest known names first ("Korea, Republic of" stays one place)."""
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    out: list[str | None] = []
    i = 0
    names = _names()
    while i < len(parts):
        for j in range(min(len(parts), i + _longest_run()), i, -1):   # the longest run that is one name
            joined = ", ".join(parts[i:j])
            if fold(joined) in names:
                out.append(names[fold(joined)])
                i = j
                break
        else:
            pieces = [p for p in _JOINERS.split(parts[i]) if p.strip()]
            out.extend(place(p, field) for p in pieces)
            i += 1
    return out


def places(text: str | None, field: str = "places") -> tuple[str, ...]:
    """A list of places, sorted, without duplicates and without "undeclared" entries."""
    if is_undeclared(text):
        return ()
    text = bounded(text, field, 2000)
    return tuple(sorted({p for p in _split(text, field) if p is not None}))


def shipping(ships_to: str | None, excludes: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ships_to, excludes): "Worldwide except USA, UK" puts USA and UK in the exclusions."""
    to_text = bounded(ships_to, "ships_to", 2000) if ships_to else ""
    extra = ""
    m = _EXCEPT.search(to_text)
    if m:
        to_text, extra = to_text[:m.start()], to_text[m.end():].rstrip(") ")
    to = places(to_text, "ships_to")
    ex = set(places(excludes, "excludes")) | set(places(extra, "excludes"))
    return to, tuple(sorted(ex))


def single_place(text: str | None, field: str) -> str | None:
    """Exactly one place (or None): several are a QuarantineError (the record holds one)."""
    if is_undeclared(text):
        return None
    text = bounded(text, field, 200)
    found = [p for p in _split(text, field)]
    if len(set(found)) > 1:
        raise QuarantineError(f"{field}: several places in {text!r} where one is expected")
    return found[0] if found else None
