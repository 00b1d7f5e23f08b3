"""Text helpers shared by the normalisers: folding for matching, cleaning for storage,
length guards (hostile pages must not make a regex or a date parser run for ever)."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

from crawler.items import QuarantineError

HERE = Path(__file__).resolve().parent
# C0/C1 controls except tab, newline and carriage return (PostgreSQL refuses NUL in text)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def unformatted(text: str) -> str:
    """``text`` without invisible format characters (Unicode Cf: bidi overrides such as U+202E,
    zero-width spaces and joiners, BOM): what a number or a date is read from."""
    if text.isascii():                 # no format character is ASCII
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def fold(text: str) -> str:
    """Matching key: NFKD, accents and format characters dropped, case-folded, spaces collapsed
    ("Liège " → "liege")."""
    if text.isascii():                 # NFKD, accents and format characters change no ASCII text
        return _SPACES.sub(" ", text.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed
                   if not unicodedata.combining(c) and unicodedata.category(c) != "Cf").casefold()
    return _SPACES.sub(" ", bare).strip()


def clean(text: str | None) -> str | None:
    """A string safe to store: NFC, no control characters, lone surrogates (text decoded with the
    wrong codec) replaced by U+FFFD.  Visible characters, emoji and RTL text are kept as they are."""
    if text is None:
        return None
    text = _SURROGATES.sub("\ufffd", text)
    return unicodedata.normalize("NFC", _CONTROLS.sub("", text))


def bounded(text: str, field: str, limit: int) -> str:
    """``text`` stripped, or QuarantineError when it is longer than ``limit`` characters."""
    text = clean(text).strip()
    if len(text) > limit:
        raise QuarantineError(f"{field}: text too long ({len(text)} characters, at most {limit})")
    return text


@lru_cache(maxsize=None)
def load_toml(name: str) -> dict:
    """A data file of this package (taxonomy.toml, places.toml, cities.toml)."""
    with open(HERE / name, "rb") as fh:
        return tomllib.load(fh)
