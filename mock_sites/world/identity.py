"""Who an actor appears to be: handles and their variants, contacts, profile style and text."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

HTML_HANDLE = "<script>alert(1)</script>Kush"   # always on bazaar: sites must escape it

PREFIXES = ("Dutch", "Green", "Euro", "Royal", "Silk", "Happy", "Ice", "Frost", "Lucky", "Brussels",
            "Amsterdam", "Berlin", "Golden", "Black", "White", "Rocket", "Cloud", "Dragon", "Tiger",
            "Pure", "Alpine", "Nordic", "Night", "Shadow", "Crystal", "Candy", "Pharma", "Lion",
            "Wolf", "Moon", "Sun", "Star", "Magic", "Mystic", "Urban", "Street", "Ocean", "Stealth",
            "Cosmic", "Zen", "Smoke", "Blaze", "Kush", "Haze", "Toxic", "Velvet", "Phantom", "Vapor")
SUFFIXES = ("Masters", "Labs", "Plug", "Kings", "Garden", "Supply", "Connect", "Express", "Shop",
            "Store", "Farm", "Factory", "Brothers", "Crew", "Dealer", "Direct", "Club", "House",
            "Market", "Traders", "Chemist", "Growers", "Boys", "Family", "Depot", "Vendor", "Tabs",
            "Cartel", "Empire", "Source")
COUNTRY_TAGS = {"NL": "NL", "BE": "BE", "DE": "DE", "FR": "FR", "GB": "UK", "US": "USA", "AU": "AU"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"}
CONTACT_KINDS = ("telegram", "wickr", "snapchat", "session", "signal", "phone", "email")
PHONE_PREFIX = {"NL": "+31 6", "BE": "+32 4", "FR": "+33 6", "DE": "+49 15", "GB": "+44 7", "US": "+1 213",
                "ES": "+34 6", "IT": "+39 3"}


def base_handle(rng: random.Random) -> str:
    return rng.choice(PREFIXES) + rng.choice(SUFFIXES)


def _words(handle: str) -> list[str]:
    return re.findall(r"[A-Z][a-z]*|[a-z]+|\d+", handle) or [handle]


def handle_variant(handle: str, home: str, k: int) -> str:
    """The k-th variant of an actor's handle on another site ("Dutch_Masters_NL", "dutchmaster")."""
    words = _words(handle)
    tag = COUNTRY_TAGS.get(home, "EU")
    variants = (
        "_".join(words) + "_" + tag,
        handle.lower().rstrip("s"),
        "".join(LEET.get(c, c) if i == len(words[0]) + 1 else c for i, c in enumerate(handle)),
        handle + "_EU",
        "The" + handle,
        handle + "Official",
        handle.lower() + "_" + tag.lower(),
    )
    return variants[k % len(variants)]


def look_alike(handle: str, k: int) -> str:
    """An impostor's look-alike ("DutchMaster5", "Dutch-Masterz", "DuthcMasters")."""
    words = _words(handle)
    variants = [
        handle[:-1] + "5" if handle.endswith("s") else handle + "5",
        "-".join(words)[:-1] + "z" if handle.endswith("s") else "-".join(words) + "z",
        handle[:2] + handle[3] + handle[2] + handle[4:] if len(handle) > 4 else handle + "x",
        handle + handle[-1],
        handle.replace("l", "I", 1) if "l" in handle else handle.replace("o", "0", 1) + "_",
    ]
    return variants[k % len(variants)]


def unique_handle(wanted: str, taken: set[str]) -> str:
    handle, n = wanted, 2
    while handle.lower() in taken:
        handle, n = f"{wanted}{n}", n + 1
    taken.add(handle.lower())
    return handle


def make_contacts(rng: random.Random, handle: str, home: str) -> tuple[tuple[str, str], ...]:
    slug = re.sub(r"[^a-z0-9]", "", handle.lower()) or "vendor"
    kinds = rng.sample(CONTACT_KINDS, rng.choice((1, 2, 2, 3)))
    out = []
    for kind in sorted(kinds):
        if kind == "phone":
            value = f"{PHONE_PREFIX.get(home, '+44 7')}{rng.randint(1000000, 9999999)}"
        elif kind == "email":
            value = f"{slug}{rng.randint(1, 99)}@proton.example"
        elif kind == "session":
            value = f"05{rng.getrandbits(256):064x}"
        elif kind in ("telegram", "snapchat"):
            value = "@" + slug + rng.choice(("", "_", ".")) + rng.choice(("plug", "official", "shop", str(rng.randint(1, 99))))
        else:
            value = slug + str(rng.randint(1, 999))
        out.append((kind, value))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Style:
    """A personal writing style: language, signature phrase and emoji."""
    language: str
    signature: str
    emoji: str
    template: int


SIGNATURES = {
    "en": ("Stay safe, stay lifted.", "Quality over quantity.", "Stealth is our middle name.",
           "No reship, no scam, just quality.", "Peace & love from the team.", "We ship, you chill.",
           "Respect the plug.", "Fast. Discreet. Reliable."),
    "fr": ("Qualité avant tout.", "Discrétion assurée, toujours.", "Envoi rapide et soigné.",
           "Paix et amour, la team.", "Satisfait ou renvoyé."),
    "nl": ("Kwaliteit boven alles.", "Altijd discreet verzonden.", "Groetjes uit de polder.",
           "Snel, veilig en discreet.", "Gezellig blijven!"),
    "de": ("Qualität zuerst.", "Immer diskret verschickt.", "Schnell und sicher.", "Grüße vom Team."),
}
EMOJI = ("🌿", "🔥", "💎", "🚀", "🍀", "⚡", "🌙", "👑", "✌️", "🇳🇱", "🇧🇪", "")
PROFILE_TEMPLATES = {
    "en": ("{emoji} Welcome to {handle}! We sell {cats}. Shipping from {origin} {days}. {sig} {emoji}",
           "{handle} | {cats} | ships from {origin}. Orders before 2pm ship {days}. PGP below. {sig}",
           "Hi, {handle} here {emoji}. Specialised in {cats}, sent from {origin} {days}. FE for trusted buyers only. {sig}"),
    "fr": ("{emoji} Bienvenue chez {handle} ! Nous vendons {cats}. Envoi depuis {origin} {days}. {sig} {emoji}",
           "{handle} | {cats} | expédition depuis {origin}, {days}. Clé PGP ci-dessous. {sig}"),
    "nl": ("{emoji} Welkom bij {handle}! Wij verkopen {cats}. Verzending vanuit {origin} {days}. {sig} {emoji}",
           "{handle} | {cats} | verzonden vanuit {origin}, {days}. PGP hieronder. {sig}"),
    "de": ("{emoji} Willkommen bei {handle}! Wir verkaufen {cats}. Versand aus {origin} {days}. {sig} {emoji}",
           "{handle} | {cats} | Versand aus {origin}, {days}. PGP unten. {sig}"),
}
SHIP_DAYS = {"en": ("Mon-Fri", "6 days a week", "every day"), "fr": ("du lundi au vendredi", "7j/7"),
             "nl": ("ma-vr", "6 dagen per week"), "de": ("Mo-Fr", "täglich")}
CATEGORY_WORDS = {"cannabis_herb": "weed", "cannabis_resin": "hash", "cocaine": "cocaine", "mdma": "MDMA/XTC",
                  "amphetamine": "speed", "methamphetamine": "meth", "heroin": "heroin", "ketamine": "ketamine",
                  "lsd": "LSD", "2cb": "2C-B", "benzodiazepines": "benzos", "prescription_opioids": "pharma pills",
                  "nps": "research chemicals", "weapons": "hardware", "other": "misc"}


def make_style(rng: random.Random, language: str, avoid: Style | None = None) -> Style:
    while True:
        style = Style(language, rng.choice(SIGNATURES[language]), rng.choice(EMOJI),
                      rng.randrange(len(PROFILE_TEMPLATES[language])))
        if avoid is None or (style.signature != avoid.signature and style.language != avoid.language):
            return style
        language = rng.choice([lang for lang in SIGNATURES if lang != avoid.language])


def profile_text(style: Style, handle: str, categories: tuple[str, ...], origins: tuple[str, ...],
                 days_k: int) -> str:
    lang = style.language
    return PROFILE_TEMPLATES[lang][style.template].format(
        emoji=style.emoji, handle=handle, cats=", ".join(CATEGORY_WORDS[c] for c in categories),
        origin=" & ".join(origins), days=SHIP_DAYS[lang][days_k % len(SHIP_DAYS[lang])],
        sig=style.signature).replace("  ", " ").strip()
