"""Spider for the "vault" mock market: French layout, behind a login, rate-limited.

Walk: log in (CSRF token from the form) → listing index pages and the vendor directory
→ listing pages (with their feedback) → vendor profiles.  Page requests do not follow
redirects: a 302 to ``/login`` means the session has expired, so the spider logs in
again (once for all the requests caught meanwhile) and re-issues them (stat
``vigie/relogins``).  429s are waited out by ``crawler.retry_after.RetryAfterMiddleware``,
which this spider switches on when the settings do not already.  A CAPTCHA or seizure
page ends the run ``blocked``; refused credentials end it ``failed: login refused``.
The password goes into the login form and nowhere else.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import FormRequest

from crawler.targets import TargetsError
from spiders.base import VigieSpider

RETRY_AFTER = "crawler.retry_after.RetryAfterMiddleware"
NO_REDIRECT = {"dont_redirect": True, "handle_httpstatus_list": [302]}
NEXT_PAGE = "a[rel=next]::attr(href)"
LOGIN_PRIORITY = 100   # a login goes before the pages queued behind it
MAX_REISSUES = 5       # a page bounced to the login this often means sessions die at once
LISTING_FIELDS = {
    "title": "h1.titre-annonce", "vendor": "table.fiche td.vendeur", "category_label": "table.fiche td.categorie",
    "price_text": "table.fiche td.prix", "quantity_text": "table.fiche td.quantite",
    "ships_from_text": "table.fiche td.expedie-de", "ships_to_text": "table.fiche td.livre-vers",
    "excludes_text": "table.fiche td.exclusions",
}
VENDOR_FIELDS = {
    "handle": "h1.nom-vendeur", "rating_text": "table.profil-vendeur td.note",
    "sales_text": "table.profil-vendeur td.ventes", "join_text": "table.profil-vendeur td.membre-depuis",
    "pgp_key_text": "pre.cle-pgp", "profile_text": "p.profil",
    "ships_from_text": "table.profil-vendeur td.expedie-de",
}
FEEDBACK_FIELDS = {"posted_text": "td.avis-date", "rating_text": "td.avis-note", "text": "td.avis-texte",
                   "buyer": "td.avis-acheteur"}


def field(sel, css: str) -> str | None:
    """Text of the first element ``css`` selects, stripped; None when there is none.  The
    first only: broken markup can nest the next elements inside this one."""
    first = sel.css(css)[:1]
    return first.xpath("string()").get().strip() if first else None


def own_texts(sel, css: str) -> str | None:
    """The own text (not its children's) of every element ``css`` selects, one per line:
    an unclosed ``<li>`` must not swallow the next ones."""
    parts = [" ".join(t.strip() for t in el.xpath("text()").getall() if t.strip()) for el in sel.css(css)]
    return "\n".join(p for p in parts if p) or None


def members_page(parse):
    """Callback decorator: a redirect to the login re-logs and re-issues the request."""
    @wraps(parse)
    def callback(self, response):
        self.check_blocked(response)
        if response.status == 302:
            yield from self.session_expired(response)
            return
        yield from parse(self, response)
    return callback


class VaultSpider(VigieSpider):
    name = "vault"

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        if RETRY_AFTER not in middlewares:
            settings.set("DOWNLOADER_MIDDLEWARES", {**middlewares, RETRY_AFTER: 560}, priority="spider")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.logged_in_once = False
        self.logging_in = False
        self.waiting: list[scrapy.Request] = []   # requests to re-issue after the next login

    async def start(self):
        yield self.login_page()

    # -- login ------------------------------------------------------------------------

    def login_page(self) -> scrapy.Request:
        self.logging_in = True
        return scrapy.Request(f"{self.base_url}/login", callback=self.submit_login, dont_filter=True,
                              priority=LOGIN_PRIORITY)

    def submit_login(self, response):
        self.check_blocked(response)
        try:
            username, password = self.credentials()
        except TargetsError as exc:   # a credential variable is not set
            raise CloseSpider(f"failed: {exc}") from None
        yield FormRequest.from_response(
            response, formid="connexion", formdata={"username": username, "password": password},
            callback=self.after_login, dont_filter=True, priority=LOGIN_PRIORITY,
            meta={**NO_REDIRECT, "handle_httpstatus_list": [302, 400]})

    def after_login(self, response):
        self.check_blocked(response)
        if response.status != 302 or self.is_login_redirect(response):
            error = field(response, "#erreur-connexion") or f"HTTP {response.status}"
            self.logger.error("vault: login refused for %s: %s", self.base_url, error)
            raise CloseSpider("failed: login refused")
        self.logging_in = False
        if not self.logged_in_once:
            self.logged_in_once = True
            yield self.page(f"{self.base_url}/annonces?page=1", self.parse_index)
            yield self.page(f"{self.base_url}/vendeurs?page=1", self.parse_directory)
            return
        self.crawler.stats.inc_value("vigie/relogins")
        waiting, self.waiting = self.waiting, []
        yield from waiting

    def session_expired(self, response):
        if not self.is_login_redirect(response):
            self.logger.warning("vault: unexpected redirect from %s to %s", response.url,
                                response.headers.get("Location", b"").decode("latin-1"))
            self.crawler.stats.inc_value("vault/unexpected_redirect")
            return
        reissues = response.request.meta.get("vault_reissues", 0) + 1
        if reissues > MAX_REISSUES:   # every new session dies at once: do not loop
            raise CloseSpider(f"failed: session expired {MAX_REISSUES} times in a row at {response.url}")
        again = response.request.replace(dont_filter=True)
        again.meta["vault_reissues"] = reissues
        self.waiting.append(again)
        if not self.logging_in:
            yield self.login_page()

    @staticmethod
    def is_login_redirect(response) -> bool:
        location = response.headers.get("Location", b"").decode("latin-1")
        return response.status == 302 and urlsplit(location).path == "/login"

    def check_blocked(self, response) -> None:
        if response.css(".captcha-wall") or response.css("form[action*=captcha]"):
            self.blocked(f"CAPTCHA page at {response.url}")
        if response.css(".seizure-banner"):
            self.blocked(f"seizure banner at {response.url}: {field(response, '.seizure-banner h1')}")

    # -- pages ------------------------------------------------------------------------

    def page(self, url: str, callback) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, meta=dict(NO_REDIRECT))

    def follow(self, response, href: str, callback) -> scrapy.Request:
        return self.page(response.urljoin(href), callback)

    @members_page
    def parse_index(self, response):
        for href in response.css("table.annonces a.lien-annonce::attr(href)").getall():
            yield self.follow(response, href, self.parse_listing)
        yield from self.next_page(response, self.parse_index)

    @members_page
    def parse_directory(self, response):
        for href in response.css("table.vendeurs a.lien-vendeur::attr(href)").getall():
            yield self.follow(response, href, self.parse_vendor)
        yield from self.next_page(response, self.parse_directory)

    def next_page(self, response, callback):
        href = response.css(NEXT_PAGE).get()
        if href:
            yield self.follow(response, href, callback)

    @members_page
    def parse_listing(self, response):
        fields = {key: field(response, css) for key, css in LISTING_FIELDS.items()}
        listing_id = response.css("h1.titre-annonce::attr(data-annonce)").get()
        yield self.raw("listing", response, listing_id=listing_id, **fields)
        yield from self.feedback(response, "table.avis tr.avis-ligne", fields["vendor"], listing_id)
        vendor_href = response.css("table.fiche td.vendeur a::attr(href)").get()
        if vendor_href:
            yield self.follow(response, vendor_href, self.parse_vendor)

    @members_page
    def parse_vendor(self, response):
        fields = {key: field(response, css) for key, css in VENDOR_FIELDS.items()}
        fields["contacts_text"] = own_texts(response, "ul.contacts li")
        yield self.raw("vendor", response, **fields)
        # feedback on listings no longer listed is shown on the profile only
        yield from self.feedback(response, "table.avis-retirees tr.avis-ligne", fields["handle"])

    def feedback(self, response, rows_css: str, vendor: str | None, listing_id: str | None = None):
        for row in response.css(rows_css):
            yield self.raw("feedback", response, vendor=vendor, feedback_id=None,
                           listing_id=listing_id or field(row, "td.avis-annonce"),
                           **{key: field(row, css) for key, css in FEEDBACK_FIELDS.items()})

