"""Quantities and units: "10 g", "0.5 g", "25 pills", "10 gr", "3,5 gr", "25 comprimés",
"10 buvards", "1 unité", or the leading quantity of a title ("5g Cocaine 90% pure",
"25x 2C-B 20mg pink pills").

Units are Vigie's five: g, pill, blotter, ml, unit.  kg/oz convert to g and cl/l to ml.
A bare count ("25x", "25 tabs") takes the category's ``count_unit`` from the taxonomy
(blotters for LSD, units for weapons, pills otherwise).  Doses ("20mg", "150ug") are never
quantities.  Zero, or more than the plausible maximum, is a QuarantineError.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from crawler.items import QuarantineError
from crawler.normalise.text import bounded, fold

COUNT = "count"   # a count whose unit the category decides
# folded unit word → (unit, factor)
UNITS: dict[str, tuple[str, Decimal]] = {
    **{w: ("g", Decimal(1)) for w in ("g", "gr", "grs", "gram", "grams", "gramme", "grammes", "grammen", "gramm",
                                      "gm", "gms")},
    **{w: ("g", Decimal(1000)) for w in ("kg", "kilo", "kilos", "kilogram", "kilogramme")},
    **{w: ("g", Decimal("28.35")) for w in ("oz", "ounce", "ounces", "once", "onces")},
    **{w: ("ml", Decimal(1)) for w in ("ml", "millilitre", "millilitres", "milliliter", "milliliters")},
    **{w: ("ml", Decimal(10)) for w in ("cl",)},
    **{w: ("ml", Decimal(1000)) for w in ("l", "litre", "litres", "liter", "liters")},
    **{w: ("pill", Decimal(1)) for w in ("pill", "pills", "comprime", "comprimes", "cachet", "cachets", "pilule",
                                         "pilules", "pil", "pillen", "tablet", "tablets", "tablette", "capsule",
                                         "capsules", "caps", "gelule", "gelules", "pillules", "bars", "bar")},
    **{w: ("blotter", Decimal(1)) for w in ("blotter", "blotters", "buvard", "buvards", "carton", "cartons",
                                            "trip", "trips")},
    **{w: ("unit", Decimal(1)) for w in ("unit", "units", "unite", "unites", "piece", "pieces", "pcs", "pc",
                                         "stuk", "stuks", "stuck", "stueck")},
    **{w: (COUNT, Decimal(1)) for w in ("x", "tabs", "tab", "pcs.", "st")},
}
MAX = {"g": Decimal(100_000), "ml": Decimal(100_000), "pill": Decimal(100_000), "blotter": Decimal(100_000),
       "unit": Decimal(1_000)}
_NUMBER = r"(\d{1,7}(?:[.,]\d{1,4})?)"
_WORD = "|".join(sorted((re.escape(w) for w in UNITS), key=len, reverse=True))
_FIELD = re.compile(rf"^\s*{_NUMBER}\s*({_WORD})\.?\s*$")
_LEADING = re.compile(rf"^\s*{_NUMBER}\s*({_WORD})(?![a-z0-9])")
_ANYWHERE = re.compile(rf"(?<![\w.,]){_NUMBER}\s*({_WORD})(?![a-z0-9])")


def _make(number: str, word: str, count_unit: str, where: str) -> tuple[Decimal, str]:
    try:
        value = Decimal(number.replace(",", "."))
    except InvalidOperation:
        raise QuarantineError(f"quantity: cannot read {number!r} in {where}") from None
    unit, factor = UNITS[word]
    unit = count_unit if unit == COUNT else unit
    value = (value * factor).quantize(Decimal("0.0001"), ROUND_HALF_EVEN).normalize() if factor != 1 else value
    if value <= 0:
        raise QuarantineError(f"quantity: {value} {unit} in {where} is not positive")
    if value > MAX[unit]:
        raise QuarantineError(f"quantity: {value:f} {unit} in {where} is above the plausible maximum {MAX[unit]}")
    # a whole quantity as a plain integer ("10", "100000"), never in exponent form ("1E+1")
    return value.quantize(Decimal(1)) if value == value.to_integral() else value, unit


def parse_quantity(text: str, count_unit: str = "pill") -> tuple[Decimal, str]:
    """(quantity, unit) of a quantity field; QuarantineError when it is not one."""
    text = bounded(text, "quantity", 60)
    m = _FIELD.match(fold(text))
    if not m:
        raise QuarantineError(f"quantity: cannot read {text!r} (expected e.g. '10 g', '25 pills', '10 gr')")
    return _make(m.group(1), m.group(2), count_unit, "the quantity field")


def quantity_from_title(title: str, count_unit: str = "pill") -> tuple[Decimal, str] | None:
    """The quantity a title starts with ("5g ...", "25x ..."), else the first one in it; None when none."""
    folded = fold(title[:500])
    m = _LEADING.match(folded) or _ANYWHERE.search(folded)
    if m:
        return _make(m.group(1), m.group(2), count_unit, "the title")
    return None
