"""Prices: the shown price (and the page's exchange rate) → amount, currency and EUR.

Formats read (docs/contracts.md): "0.00123456 BTC" with the page's "1 BTC = 5432.10 EUR",
"1.234567890000 XMR" with "1 XMR = 98.95 EUR", "€45.00", "1.234,50 €".  Amounts are parsed
with price-parser; crypto amounts keep all their decimals, and amount × rate is rounded
half-even to the cent (the way the sites compute their crypto amounts).  A price in an
unknown currency, without a rate, zero, negative or above ``max_eur`` is a QuarantineError.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from price_parser import Price

from crawler.items import QuarantineError
from crawler.normalise.text import bounded

CENT = Decimal("0.01")
DEFAULT_MAX_EUR = Decimal("50000")
SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "₿": "BTC", "ɱ": "XMR", "CHF": "CHF", "Fr.": "CHF"}
CRYPTO = {"BTC", "XMR", "LTC", "ETH", "BCH", "ZEC", "DASH", "USDT"}
CODES = {"EUR", "USD", "GBP", "CHF"} | CRYPTO
WORDS = {"euro": "EUR", "euros": "EUR", "bitcoin": "BTC", "bitcoins": "BTC", "monero": "XMR", "dollars": "USD",
         "dollar": "USD"}
_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z]{3,4})(?![A-Za-z])")
# a plain decimal number with a dot and no thousands separator: "0.03631589", "1.028499242041"
_PLAIN_DOT = re.compile(r"^\s*([0-9]+\.[0-9]+|[0-9]+)\s*[A-Za-z]{3,4}\s*$")
_MINUS = re.compile(r"[-\u2212\u2013]\s*[€$£]?\s*\d")
_RATE = re.compile(r"^\s*1\s*([A-Za-z]{3,4})\s*=\s*(.+?)\s*(EUR|€)\s*$")


@dataclass(frozen=True, slots=True)
class Money:
    currency: str
    amount: Decimal
    eur: Decimal


def currency_of(text: str, hint: str | None) -> str:
    """ISO-like code of the currency written in ``text`` (price-parser's symbol, or a code/word)."""
    for candidate in (hint, *(m.group(1) for m in _CODE.finditer(text))):
        if not candidate:
            continue
        code = SYMBOLS.get(candidate.strip()) or WORDS.get(candidate.strip().lower()) or candidate.strip().upper()
        if code in CODES:
            return code
    for symbol, code in SYMBOLS.items():
        if symbol in text:
            return code
    raise QuarantineError(f"price: unknown or missing currency in {text!r}")


def amount_of(text: str, field: str, crypto: bool = False) -> Decimal:
    """The amount in ``text``; a crypto amount with a dot keeps it as the decimal point."""
    if _MINUS.search(text):
        raise QuarantineError(f"{field}: {text!r} is negative or a range")
    plain = _PLAIN_DOT.match(text) if crypto else None
    try:
        amount = Decimal(plain.group(1)) if plain else Price.fromstring(text).amount
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise QuarantineError(f"{field}: no amount in {text!r}")
    return amount


def parse_rate(rate_text: str | None, currency: str) -> Decimal:
    """EUR for one unit of ``currency`` from a page's "1 BTC = 5 432.10 EUR"."""
    if not rate_text:
        raise QuarantineError(f"price: in {currency} but the page shows no exchange rate to EUR")
    rate_text = bounded(rate_text, "rate", 200)
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
    text = bounded(price_text or "", "price", 100)
    if not text:
        raise QuarantineError("price: empty")
    parsed = Price.fromstring(text)
    currency = currency_of(text, parsed.currency)
    amount = amount_of(text, "price", crypto=currency in CRYPTO)
    if amount <= 0:
        raise QuarantineError(f"price: {text!r} is not positive")
    eur = amount if currency == "EUR" else amount * parse_rate(rate_text, currency)
    eur = eur.quantize(CENT, ROUND_HALF_EVEN)
    if eur <= 0:
        raise QuarantineError(f"price: {text!r} is worth less than one cent")
    if eur > max_eur:
        raise QuarantineError(f"price: {text!r} = {eur} EUR is above the plausible maximum of {max_eur} EUR")
    return Money(currency, amount, eur)
