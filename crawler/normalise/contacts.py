"""Contacts: messenger handles, e-mail addresses and phone numbers → sorted ``(kind, value)``.

Kinds: phone, email, telegram, snapchat, wickr, signal, session, threema, wire (others keep
their label, folded).  Canonical values, so that the same contact written two ways links:
- phone: E.164 with ``phonenumbers`` ("+33 6 12 34 56 78", "06 12 34 56 78" with default
  region FR → "+33612345678"); a number phonenumbers cannot parse is kept as written;
- telegram, snapchat: "@" + the handle, lower case ("t.me/Name" → "@name");
- email, wickr, signal, session, threema, wire: lower case, no leading "@".
``canonical_contact(kind, value)`` is the same mapping for values that are already split
(e.g. the mock world's truth).

Vendor profiles list contacts one per line as "Label: value" (``parse_contact_lines``);
social posts write them inline ("📞 +32 485 29 91 74 snap: @name", "tg: @x", "wickr: y"),
read by ``find_contacts``.
"""
from __future__ import annotations

import re

import phonenumbers

from crawler.normalise.text import fold

LABELS = {
    "phone": "phone", "telephone": "phone", "tel": "phone", "tel.": "phone", "mobile": "phone", "gsm": "phone",
    "whatsapp": "phone", "telefoon": "phone", "telefon": "phone", "📞": "phone", "☎": "phone", "☎️": "phone",
    "email": "email", "e-mail": "email", "mail": "email", "courriel": "email",
    "telegram": "telegram", "tg": "telegram", "tlg": "telegram",
    "snapchat": "snapchat", "snap": "snapchat", "sc": "snapchat", "👻": "snapchat",
    "wickr": "wickr", "wickr me": "wickr", "wickrme": "wickr",
    "signal": "signal", "session": "session", "threema": "threema", "wire": "wire",
}
AT_KINDS = {"telegram", "snapchat"}
_LINE = re.compile(r"^\s*([^:]{1,30}?)\s*:(.*)$")
_INLINE_LABEL = "|".join(sorted((re.escape(k) for k in LABELS if LABELS[k] != "phone" and k != "mail"),
                                key=len, reverse=True))
_INLINE = re.compile(rf"(?<![\w@])({_INLINE_LABEL})\s*(?::|(?<=👻))\s*(@?[\w.\-]{{2,64}}(?:@[\w.\-]+\.\w+)?)", re.IGNORECASE)
# (?<!...): a match starts at the start of a run, so a long run is scanned once (not once per character)
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_TME = re.compile(r"(?:https?://)?t\.me/(\w{3,64})", re.IGNORECASE)
# a phone number in free text starts with "+" or a trunk "0" ("06 12 34 56 78")
_PHONE = re.compile(r"(?<![\w+])((?:\+\d|0)[\d .\-/()]{6,18}\d)(?!\w)")


def phone_e164(value: str, region: str | None = None, strict: bool = False) -> str | None:
    """E.164 form of a phone number, None when phonenumbers cannot read it (or, ``strict``,
    when it is not a possible number of its country: free text holds other digit runs)."""
    try:
        number = phonenumbers.parse(value, None if value.strip().startswith("+") else (region or "FR"))
    except phonenumbers.NumberParseException:
        return None
    digits = len(str(number.national_number))
    if not 6 <= digits <= 14 or (strict and not phonenumbers.is_possible_number(number)):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical_contact(kind: str, value: str, region: str | None = None) -> tuple[str, str]:
    kind = LABELS.get(fold(kind), fold(kind))
    value = value.strip()
    if kind == "phone":
        return kind, phone_e164(value, region) or value
    tme = _TME.fullmatch(value)
    if tme:
        value = tme.group(1)
    bare = value.lstrip("@").rstrip(".-").lower()
    return kind, "@" + bare if kind in AT_KINDS else bare


def parse_contact_lines(text: str | None, region: str | None = None) -> tuple[tuple[str, str], ...]:
    """Contacts from "Label: value" lines (a line without a label is searched for contacts); a
    label without a value ("Wickr:", "Telegram: @") gives nothing.  The caller bounds ``text``."""
    out: set[tuple[str, str]] = set()
    for line in (text or "").splitlines():
        m = _LINE.match(line)
        if m and not m.group(1).strip().isdigit():
            kind, value = canonical_contact(m.group(1), m.group(2), region)
            if value.strip("@"):
                out.add((kind, value))
        elif line.strip():
            out.update(find_contacts(line, region))
    return tuple(sorted(out))


def find_contacts(text: str, region: str | None = None) -> tuple[tuple[str, str], ...]:
    """Contacts written inline in free text: labelled handles, t.me links, e-mails, phone numbers."""
    text = text[:20_000]
    out: set[tuple[str, str]] = set()
    taken: list[tuple[int, int]] = []
    for m in _EMAIL.finditer(text):
        out.add(("email", m.group(0).lower()))
        taken.append(m.span())
    for m in _INLINE.finditer(text):
        if not any(a <= m.start(2) < b for a, b in taken):
            out.add(canonical_contact(m.group(1), m.group(2), region))
            taken.append(m.span())
    for m in _TME.finditer(text):
        out.add(("telegram", "@" + m.group(1).lower()))
        taken.append(m.span())
    for m in _PHONE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        e164 = phone_e164(m.group(1), region, strict=True)
        if e164:
            out.add(("phone", e164))
    return tuple(sorted(out))
