"""Prices: the shown price (and the page's exchange rate) → amount, currency and EUR.

Formats read (docs/contracts.md): "0.00123456 BTC" with the page's "1 BTC = 5432.10 EUR",
"1.234567890000 XMR" with "1 XMR = 98.95 EUR", "€45.00", "1.234,50 €".  Amounts are parsed
with price-parser; crypto amounts keep all their decimals, and amount × rate is rounded
half-even to the cent (the way the sites compute their crypto amounts).  A price in an
unknown currency, without a rate, zero, negative, in scientific notation, under one cent or
above ``max_eur`` is a QuarantineError.  Invisible format characters (U+202E, zero-width
spaces) are ignored when reading a number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from price_parser import Price

from crawler.items import QuarantineError
from crawler.normalise.text import bounded, unformatted

CENT = Decimal("0.01")
DEFAULT_MAX_EUR = Decimal("50000")
SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "₿": "BTC", "ɱ": "XMR", "CHF": "CHF", "Fr.": "CHF"}
CRYPTO = {"BTC", "XMR", "LTC", "ETH", "BCH", "ZEC", "DASH", "USDT"}
CODES = {"EUR", "USD", "GBP", "CHF"} | CRYPTO
WORDS = {"euro": "EUR", "euros": "EUR", "bitcoin": "BTC", "bitcoins": "BTC", "monero": "XMR", "dollars": "USD",
         "dollar": "USD"}
_WORD = re.compile(r"[A-Za-z]+")
# a plain decimal number with a dot and no thousands separator: "0.03631589", "1.028499242041"
_PLAIN_DOT = re.compile(r"^\s*([0-9]+\.[0-9]+|[0-9]+)\s*[A-Za-z]{3,4}\s*$")
_MINUS = re.compile(r"[-\u2212\u2013]\s*[€$£]?\s*\d")
_EXPONENT = re.compile(r"\d\s*[eE]\s*[-+]?\d")
# price-parser reads "0.010" as 10 (a thousands separator): a group after a lone 0 is decimals
_ZERO_POINT = re.compile(r"0[.,](\d+)")
_RATE = re.compile(r"^\s*1\s*([A-Za-z]{3,4})\s*=\s*(.+?)\s*(EUR|€)\s*$")


@dataclass(frozen=True, slots=True)
class Money:
    currency: str
    amount: Decimal
    eur: Decimal


def currency_of(text: str, hint: str | None) -> str:
    """ISO-like code of the currency written in ``text`` (price-parser's symbol, or a code/word)."""
    words = _WORD.findall(text)
    for candidate in (hint, *words):
        if not candidate:
            continue
        code = SYMBOLS.get(candidate.strip()) or WORDS.get(candidate.strip().lower()) or candidate.strip().upper()
        if code in CODES:
            return code
    for symbol, code in SYMBOLS.items():
        if symbol in text:
            return code
    unknown = [w.upper() for w in words if 3 <= len(w) <= 4]      # what looks like a currency code
    if unknown:
        raise QuarantineError(f"price: unknown currency {unknown[0]!r} in {text!r}")
    raise QuarantineError(f"price: missing currency in {text!r}")


def amount_of(text: str, field: str, crypto: bool = False) -> Decimal:
    """The amount in ``text``; a crypto amount with a dot keeps it as the decimal point."""
    if _MINUS.search(text):
        raise QuarantineError(f"{field}: {text!r} is negative or a range")
    if _EXPONENT.search(text):
        raise QuarantineError(f"{field}: {text!r} is in scientific notation, not a price")
    plain = _PLAIN_DOT.match(text) if crypto else None
    try:
        if plain:
            amount = Decimal(plain.group(1))
        else:
            parsed = Price.fromstring(text)
            zero = _ZERO_POINT.fullmatch(parsed.amount_text or "")
            amount = Decimal("0." + zero.group(1)) if zero else parsed.amount
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise QuarantineError(f"{field}: no amount in {text!r}")
    return amount


def parse_rate(rate_text: str | None, currency: str) -> Decimal:
    """EUR for one unit of ``currency`` from a page's "1 BTC = 5 432.10 EUR"."""
    if not rate_text:
        raise QuarantineError(f"price: in {currency} but the page shows no exchange rate to EUR")
    rate_text = unformatted(bounded(rate_text, "rate", 200))
    m = _RATE.match(rate_text)
    if not m:
        raise QuarantineError(f"rate: cannot read exchange rate {rate_text!r} (expected '1 {currency} = N EUR')")
    if m.group(1).upper() != currency:
        raise QuarantineError(f"rate: the page's rate is for {m.group(1).upper()}, the price is in {currency}")
    rate = amount_of(m.group(2) + " EUR", "rate")
    if rate <= 0:
        raise QuarantineError(f"rate: exchange rate {rate_text!r} is not positive")
    return rate


def parse_price(price_text: str, rate_text: str | None = None, max_eur: Decimal = DEFAULT_MAX_EUR) -> Money:
    """The price in its currency and in EUR (2 decimals, half-even)."""
    shown = bounded(price_text or "", "price", 100)
    text = unformatted(shown)
    if not text:
        raise QuarantineError("price: empty")
    parsed = Price.fromstring(text)
    currency = currency_of(text, parsed.currency)
    amount = amount_of(text, "price", crypto=currency in CRYPTO)
    if amount <= 0:
        raise QuarantineError(f"price: {shown!r} is not positive")
    eur = amount if currency == "EUR" else amount * parse_rate(rate_text, currency)
    if eur > max_eur:          # compared before rounding: a 90-digit amount cannot be rounded to the cent
        raise QuarantineError(f"price: {shown!r} = {eur:.2f} EUR is above the plausible maximum of {max_eur} EUR")
    eur = eur.quantize(CENT, ROUND_HALF_EVEN)
    if eur <= 0:
        raise QuarantineError(f"price: {shown!r} is worth less than one cent")
    return Money(currency, amount, eur)


def unit_price(price: Money, quantity: Decimal, unit: str, max_eur: Decimal = DEFAULT_MAX_EUR) -> Decimal:
    """EUR per unit (2 decimals, half-even); above ``max_eur`` per unit is a QuarantineError."""
    per_unit = price.eur / quantity
    if per_unit > max_eur:
        raise QuarantineError(f"price: {price.eur} EUR for {quantity} {unit} is {per_unit:.2f} EUR per {unit}, "
                              f"above the plausible maximum of {max_eur} EUR per unit")
    return per_unit.quantize(CENT, ROUND_HALF_EVEN)
