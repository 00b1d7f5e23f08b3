"""Feedback left by buyers: one entry per sale, multilingual texts, seeded pseudonyms."""
from __future__ import annotations

from datetime import timedelta

import numpy as np

from mock_sites.world.config import WorldConfig
from mock_sites.world.model import Feedback
from mock_sites.world.plans import AccountPlan, ActorPlan, ListingPlan
from mock_sites.world.rng import key64, mix64, rng_for, uniforms
from mock_sites.world.sales import expected_rating

SYLLABLES = ("ka", "zo", "mi", "ra", "tek", "nox", "lu", "vi", "dra", "pe", "sto", "ne", "bo", "xy", "fu",
             "ja", "ri", "qu", "el", "on", "ar", "is", "um", "ex", "ol")
TEXTS = {
    "good": {
        "en": ("Great product, fast shipping. Will order again.", "A+++ vendor, stealth on point.",
               "Arrived in {n} days, top quality {p}.", "Best {p} I had in a while, thanks!", "All good, 5/5.",
               "Perfect as always.", "Quick delivery, weight was spot on.", "Legit vendor, recommended."),
        "fr": ("Top qualité, livraison rapide. Merci !", "Reçu en {n} jours, nickel.", "Très bonne {p}, je recommande.",
               "Vendeur sérieux, colis discret.", "Parfait comme d'hab."),
        "nl": ("Topkwaliteit, snelle levering!", "Binnen {n} dagen binnen, dikke prima.", "Goede {p}, aanrader.",
               "Betrouwbare verkoper, discreet verpakt."),
        "de": ("Super Qualität, schneller Versand.", "Nach {n} Tagen angekommen, alles top.",
               "Sehr gutes {p}, gerne wieder.", "Zuverlässiger Verkäufer."),
    },
    "meh": {
        "en": ("Took {n} days but arrived.", "OK quality, a bit slow.", "Decent, not the best {p}."),
        "fr": ("Un peu long ({n} jours) mais reçu.", "Qualité correcte sans plus."),
        "nl": ("Duurde {n} dagen, maar is binnen.", "Kwaliteit gaat wel."),
        "de": ("Hat {n} Tage gedauert, ok.", "Qualität geht so."),
    },
    "bad": {
        "en": ("Never arrived. Vendor does not answer.", "Underweight and weak {p}. Avoid.", "Scam, stay away!"),
        "fr": ("Jamais reçu, aucune réponse.", "Arnaque, évitez !"),
        "nl": ("Nooit aangekomen. Oplichter!", "Te weinig gewicht, slechte {p}."),
        "de": ("Nie angekommen. Betrüger!", "Zu wenig Gewicht, schlecht."),
    },
}
_TEXTS: dict[str, str] = {}     # shares equal texts between entries (bounded by the templates)
LANG_WEIGHTS = {"en": 60, "fr": 14, "nl": 13, "de": 13}


def buyer_pool(config: WorldConfig) -> tuple[str, ...]:
    rng = rng_for(config.seed, "buyers")
    size = min(50_000, max(3_000, config.n_actors * 10))
    names: dict[str, None] = {}
    while len(names) < size:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.5:
            name += str(rng.randint(1, 999))
        names[name.capitalize() if rng.random() < 0.3 else name] = None
    return tuple(names)


def product_word(title: str) -> str:
    words = title.split()
    return words[1] if len(words) > 1 else title


class FeedbackWriter:
    """Writes the feedback of one day for all listings at once.

    Every entry's draws (buyer, rating, language, template) come from counter-based
    hashes of (listing, k, day), vectorised; buyers of one listing on one day are distinct.
    """

    def __init__(self, config: WorldConfig, listings: list[ListingPlan], accounts: list[AccountPlan],
                 actors: list[ActorPlan]):
        self.config, self.listings, self.accounts = config, listings, accounts
        self.buyers = buyer_pool(config)
        self.keys = [key64(config.seed, "feedback", part) for part in ("buyer", "rating", "text")]
        cum = np.array([np.cumsum(expected_rating(a.quality)[1]) for a in actors]).reshape(len(actors), 5)
        self.rating_cum = cum / cum[:, -1:]
        self.actor_of = np.fromiter((accounts[p.account].actor for p in listings), np.int64, len(listings))
        self.lang_cum = np.cumsum(list(LANG_WEIGHTS.values())) / sum(LANG_WEIGHTS.values())
        self.words: dict[str, str] = {}

    def day(self, day: int, counts: np.ndarray) -> list[Feedback]:
        rows = np.repeat(np.arange(len(counts)), counts)
        if not len(rows):
            return []
        k = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        ctr = rows.astype(np.uint64) * np.uint64(64) + k.astype(np.uint64)
        buyer = (mix64(self.keys[0], rows.astype(np.uint64), day) % np.uint64(len(self.buyers))
                 + k.astype(np.uint64) * np.uint64(7919)) % np.uint64(len(self.buyers))
        u = uniforms(self.keys[1], ctr, day)
        rating = 1 + (u[:, None] > self.rating_cum[self.actor_of[rows]][:, :4]).sum(axis=1)
        t = mix64(self.keys[2], ctr, day)
        lang = np.searchsorted(self.lang_cum, (t & np.uint64(0xFFFF)).astype(np.float64) / 65536.0, side="right")
        template = (t >> np.uint64(16)) % np.uint64(997)
        n_days = (t >> np.uint64(32)) % np.uint64(6) + np.uint64(1)
        posted = self.config.start_date + timedelta(days=day)
        langs = tuple(LANG_WEIGHTS)
        out = []
        for j, (i, kk, b, r, lg, tp, nd) in enumerate(zip(rows.tolist(), k.tolist(), buyer.tolist(), rating.tolist(),
                                                          lang.tolist(), template.tolist(), n_days.tolist())):
            plan = self.listings[i]
            mood = "good" if r >= 4 else ("meh" if r == 3 else "bad")
            choices = TEXTS[mood][langs[lg]]
            word = self.words.get(plan.title)
            if word is None:
                word = self.words[plan.title] = product_word(plan.title)
            text = choices[tp % len(choices)].format(n=nd, p=word)
            lid = plan.listing_id
            out.append(Feedback(plan.site, f"{lid}-{day:03d}-{kk}", lid, self.accounts[plan.account].handle, posted,
                                r, _TEXTS.setdefault(text, text), self.buyers[b], plan.price_on(day)))
        return out
