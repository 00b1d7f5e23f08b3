"""The vault mock market: login with CSRF, expiring sessions, rate limit, and, behind the
login, exactly what the truth says."""
from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urljoin

import httpx
import pytest
from parsel import Selector

from mock_sites.server import serve_world
from mock_sites.sites.vault import (french_date, listing_url, place_list, place_name, quantity_text, rating_text,
                                    sales_text, vendor_url)
from mock_sites.world.model import Account, DayView, Feedback, Listing, SiteState

SITE = "vault"
ROOMY = {"session_max_requests": 100_000, "rate_limit_per_second": 10_000}   # no expiry, no 429


def login(client: httpx.Client, next_url: str = "/annonces?page=1", password: str | None = None,
          config=None) -> httpx.Response:
    form = Selector(client.get("/login", params={"next": next_url}).text)
    data = {name: form.css(f"input[name={name}]::attr(value)").get() for name in ("csrf_token", "next")}
    data.update(username=config.vault_username, password=password or config.vault_password)
    return client.post("/login", data=data)


@pytest.fixture(scope="module")
def vault(world_config, world):
    config = world_config.with_(**ROOMY)
    with serve_world(config, day=0, sites=(SITE,), world=world) as running:
        with httpx.Client(base_url=running.urls[SITE], timeout=10) as client:
            assert login(client, config=config).status_code == 302
            yield running, client


def served(config, world, day=0):
    return serve_world(config, day=day, sites=(SITE,), world=world)


def pages(client, url):
    while url:
        r = client.get(url)
        assert r.status_code == 200, url
        page = Selector(r.text)
        yield page
        nxt = page.css("a[rel=next]::attr(href)").get()
        url = urljoin(url, nxt) if nxt else None


# -- access rules ----------------------------------------------------------------------------

def test_robots_and_login_need_no_session(world_config, world):
    with served(world_config.with_(**ROOMY), world) as running, httpx.Client(base_url=running.urls[SITE]) as c:
        assert "Disallow:" in c.get("/robots.txt").text
        page = Selector(c.get("/login").text)
        assert page.css("form#connexion input[name=csrf_token]::attr(value)").get()


def test_pages_without_a_session_redirect_to_the_login(world_config, world):
    with served(world_config.with_(**ROOMY), world) as running, httpx.Client(base_url=running.urls[SITE]) as c:
        for path in ("/", "/annonces?page=2", "/annonce/V-000001", "/vendeur/x%2Fy", "/vendeurs"):
            r = c.get(path)
            assert r.status_code == 302, path
            assert r.headers["location"].startswith("/login?next=")
        r = c.get("/annonces?page=2")
        assert r.headers["location"] == "/login?next=%2Fannonces%3Fpage%3D2"
        c.cookies.set("vault_session", "forged")
        assert c.get("/annonces").status_code == 302


def test_wrong_password_and_forged_token_are_refused(world_config, world):
    config = world_config.with_(**ROOMY)
    with served(config, world) as running, httpx.Client(base_url=running.urls[SITE]) as c:
        r = login(c, password="wrong", config=config)
        assert r.status_code == 200 and "Identifiant ou mot de passe incorrect" in r.text
        assert "vault_session" not in c.cookies
        assert config.vault_password not in r.text
        r = c.post("/login", data={"csrf_token": "0123-abcd", "username": config.vault_username,
                                   "password": config.vault_password})
        assert r.status_code == 400 and "vault_session" not in c.cookies
        assert c.get("/annonces").status_code == 302


def test_login_redirects_to_next_with_a_session(world_config, world):
    config = world_config.with_(**ROOMY)
    with served(config, world) as running, httpx.Client(base_url=running.urls[SITE]) as c:
        r = login(c, next_url="/annonces?page=2", config=config)
        assert r.status_code == 302 and r.headers["location"] == "/annonces?page=2"
        assert c.cookies.get("vault_session")
        assert c.get("/annonces?page=2").status_code == 200
        assert login(c, next_url="//evil.example/", config=config).headers["location"] == "/annonces?page=1"


def test_a_session_expires_after_its_requests(world_config, world):
    config = world_config.with_(session_max_requests=3, rate_limit_per_second=10_000)
    with served(config, world) as running, httpx.Client(base_url=running.urls[SITE]) as c:
        login(c, config=config)
        assert [c.get("/annonces?page=1").status_code for _ in range(4)] == [200, 200, 200, 302]
        assert c.get("/annonces?page=1").headers["location"] == "/login?next=%2Fannonces%3Fpage%3D1"
        login(c, config=config)
        assert c.get("/annonces?page=1").status_code == 200


def test_a_burst_gets_429_with_retry_after(world_config, world):
    config = world_config.with_(rate_limit_per_second=2, session_max_requests=100_000)

    async def burst(url):
        async with httpx.AsyncClient(base_url=url) as c:
            return await asyncio.gather(*(c.get("/login") for _ in range(30)))

    with served(config, world) as running:
        responses = asyncio.run(burst(running.urls[SITE]))
        limited = [r for r in responses if r.status_code == 429]
        assert limited and all(r.headers["retry-after"] == "1" for r in limited)
        assert any(r.status_code == 200 for r in responses)
        assert httpx.get(running.urls[SITE] + "/robots.txt").status_code == 200   # exempt


def test_status_days_are_served_by_the_gate(vault, world_config):
    running, client = vault
    try:
        running.set_day(world_config.captcha_days[SITE][0])
        assert "captcha-wall" in client.get("/annonces?page=1").text
        assert "captcha-wall" in client.get("/login").text
        running.set_day(world_config.downtime[SITE][0])
        assert client.get("/annonces?page=1").status_code == 503
        running.set_day(world_config.takedown_day)
        assert "seizure-banner" in client.get("/annonces?page=1").text
    finally:
        running.set_day(0)


# -- what the pages show ---------------------------------------------------------------------

def truth(world, day=0):
    view = world.day_view(day)
    return (view, [l for l in view.listings if l.site == SITE], [a for a in view.accounts if a.site == SITE],
            [f for f in view.feedback if f.site == SITE])


@pytest.mark.parametrize("day", [0, 16])
def test_serves_exactly_the_truth_of_the_day(vault, world, day):
    running, client = vault
    running.set_day(day)
    view, listings, accounts, feedback = truth(world, day)
    assert listings and accounts and feedback

    shown = []
    for page in pages(client, "/annonces?page=1"):
        ids = [href.rsplit("/", 1)[-1] for href in page.css("a.lien-annonce::attr(href)").getall()]
        assert 0 < len(ids) <= 40
        shown += ids
    assert shown == [l.listing_id for l in listings]   # sorted by listing_id

    handles = []
    for page in pages(client, "/vendeurs?page=1"):
        handles += page.css("a.lien-vendeur::text").getall()
    assert sorted(handles) == sorted(a.handle for a in accounts)

    # each feedback entry once: on its listing's page, or on the vendor's profile when the listing is gone
    shown_fb = []
    for l in listings:
        page = Selector(client.get(listing_url(l.listing_id)).text)
        shown_fb += [(l.listing_id, row.css("td.avis-acheteur::text").get()) for row in page.css("tr.avis-ligne")]
    for a in accounts:
        page = Selector(client.get(vendor_url(a.handle)).text)
        shown_fb += [(row.css("td.avis-annonce::text").get(), row.css("td.avis-acheteur::text").get())
                     for row in page.css("table.avis-retirees tr.avis-ligne")]
    assert sorted(shown_fb) == sorted((f.listing_id, f.buyer) for f in feedback)
    assert day == 0 or {f.listing_id for f in feedback} - {l.listing_id for l in listings}   # some withdrawn
    running.set_day(0)


def test_sample_fields(vault, world):
    running, client = vault
    running.set_day(0)
    view, listings, accounts, feedback = truth(world)
    for l in listings[:: max(1, len(listings) // 8)]:
        page = Selector(client.get(listing_url(l.listing_id)).text)
        assert page.css("h1.titre-annonce::text").get() == l.title
        assert page.css("td.prix::text").get() == l.price_shown
        assert re.fullmatch(r"[\d.]+,\d\d €", l.price_shown)
        assert page.css("td.quantite::text").get() == quantity_text(l.quantity, l.unit)
        assert page.css("td.categorie::text").get() == l.category_label
        assert page.css("td.vendeur a::text").get() == l.vendor
        assert page.css("table.fiche td.expedie-de::text").get() == place_name(l.ships_from)
        assert page.css("td.livre-vers::text").get() == (place_list(l.ships_to) if l.ships_to else None)
        assert page.css("td.exclusions::text").get() == (place_list(l.excludes) if l.excludes else None)
    for a in accounts[:: max(1, len(accounts) // 6)]:
        page = Selector(client.get(vendor_url(a.handle)).text)
        assert page.css("h1.nom-vendeur::text").get() == a.handle
        assert page.css("td.membre-depuis::text").get() == f"Membre depuis {a.join_date.isoformat()}"
        assert page.css("td.note::text").get() == rating_text(a.rating)
        assert page.css("td.ventes::text").get() == sales_text(a.sales_count)
        assert page.css("pre.cle-pgp::text").get() == a.pgp_key
    for f in feedback[:5]:
        rows = Selector(client.get(listing_url(f.listing_id)).text).css("tr.avis-ligne")
        assert (french_date(f.posted_on), f"{f.rating}/5", f.text, f.buyer) in [
            tuple(row.css(f"td.avis-{k}::text").get() for k in ("date", "note", "texte", "acheteur")) for row in rows]


def test_unknown_pages_are_404(vault):
    running, client = vault
    running.set_day(0)
    for path in ("/annonce/NOPE", "/vendeur/nobody-at-all", "/annonces?page=9999", "/nowhere"):
        assert client.get(path).status_code == 404, path


# -- escaping and rendering rules, on a hand-made day ----------------------------------------

HOSTILE = "<script>alert('x')</script>/../"


class TinyWorld:
    """A world of one day with a hostile handle, served by the real app."""

    def __init__(self, config):
        self.config = config

    def day_view(self, day):
        d = self.config.start_date + timedelta(days=day)
        account = Account(SITE, HOSTILE, "A00001", 0, None, date(2018, 3, 2), Decimal("4.87"), 1204, None, None,
                          (("phone", "+32 470 12 34 56"),), "<b>bold</b> & proud", ("NL", "BE"))
        listing = Listing(SITE, "V-1", HOSTILE, "1 g <i>test</i>", "cocaine", "Coke", Decimal("1234.50"), "EUR",
                          "1.234,50 €", Decimal("0.5"), "g", Decimal("2469.00"), None, ("WORLDWIDE",), ("US", "GB"),
                          0, None)
        review = Feedback(SITE, "F1", "V-1", HOSTILE, date(2019, 1, 12), 5, "<img src=x> top", "buyer1",
                          Decimal("1234.50"))
        return DayView(seed=0, day=day, date=d, now=datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc),
                       sites={SITE: SiteState(SITE, "up", "v1", "EUR", None)}, events=[], actors=[],
                       accounts=[account], listings=[listing], feedback=[review], posts=[])


def test_hostile_values_are_escaped_and_reachable(world_config):
    config = world_config.with_(**ROOMY)
    with serve_world(config, sites=(SITE,), world=TinyWorld(config)) as running:
        with httpx.Client(base_url=running.urls[SITE]) as client:
            login(client, config=config)
            listing = client.get("/annonce/V-1").text
            assert "<script>" not in listing and "<i>" not in listing and "<img" not in listing
            page = Selector(listing)
            assert page.css("td.expedie-de::text").get() == "Non déclaré"
            assert page.css("td.livre-vers::text").get() == "Monde entier"
            assert page.css("td.exclusions::text").get() == "États-Unis, Royaume-Uni"
            assert page.css("td.quantite::text").get() == "0,5 gr"
            assert page.css("td.avis-date::text").get() == "12 janv. 2019"
            vendor = client.get(page.css("td.vendeur a::attr(href)").get())
            assert vendor.status_code == 200 and "<b>bold" not in vendor.text
            profile = Selector(vendor.text)
            assert profile.css("h1.nom-vendeur::text").get() == HOSTILE
            assert profile.css("td.note::text").get() == "4,87/5"
            assert profile.css("td.ventes::text").get() == "1 204 ventes"
            assert profile.css("td.expedie-de::text").get() == "Pays-Bas, Belgique"


def test_value_rendering_rules():
    assert quantity_text(Decimal("10"), "g") == "10 gr"
    assert quantity_text(Decimal("25"), "pill") == "25 comprimés"
    assert quantity_text(Decimal("1"), "pill") == "1 comprimé"
    assert quantity_text(Decimal("30.0"), "ml") == "30 ml"
    assert place_list(("NL", "BE", "DE", "EU", "EUROPE")) == "Pays-Bas, Belgique, Allemagne, UE, Europe"
    assert place_name("RU") == "Russie"      # no comma inside a name: lists split on commas
    assert place_name(None) == "Non déclaré"
    assert [french_date(date(2019, m, 1)) for m in (2, 8, 12)] == ["1 févr. 2019", "1 août 2019", "1 déc. 2019"]
    assert rating_text(Decimal("5")) == "5,00/5" and sales_text(1) == "1 vente"
