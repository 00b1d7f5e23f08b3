"""The social feed: city chatter and dealers' adverts (seed 001: Toulouse 10%, Lorient 80%).

Each post is drawn from its own stream (seed, day, k); adverts carry slang hashtags,
phone numbers, messenger handles and delivery offers; some dealers reuse the contact
handles of a market actor; ordinary posts sometimes use decoy words ("shit weather").
Posts of day d are posted between 00:00 and 12:00 UTC, i.e. before the simulated now.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from mock_sites.world.config import WorldConfig
from mock_sites.world.model import Post
from mock_sites.world.rng import rng_for, weighted

ADVERT_SHARE = {"toulouse": 0.10, "lorient": 0.80, "paris": 0.04, "lyon": 0.08, "marseille": 0.12,
                "bruxelles": 0.10, "liege": 0.15, "antwerpen": 0.08, None: 0.02}
CITY_WEIGHTS = {"toulouse": 18, "lorient": 6, "paris": 24, "lyon": 14, "marseille": 14, "bruxelles": 10,
                "liege": 5, "antwerpen": 6, None: 8}
CITY_LANG = {"antwerpen": ("nl", "en"), "bruxelles": ("fr", "nl", "en"), None: ("fr", "en")}
SLANG = ("beuh", "shit", "coke", "weed", "plug", "livraison", "drugs")
PRODUCTS = {"fr": ("beuh", "shit", "coke", "weed", "md", "ecsta"), "en": ("weed", "coke", "hash", "pills"),
            "nl": ("wiet", "hasj", "coke", "pillen")}
ADVERTS = {
    "fr": ("🔥 {p1} et {p2} dispo sur {city_name} 🔥 livraison 7j/7 {contact} {tags}",
           "Nouvelle frappe arrivée 💎 {p1} de qualité, {p2} aussi. Livraison rapide {city_name}. {contact} {tags}",
           "Menu du jour : {p1} / {p2} 🍀 livraison 24h/24 sur {city_name} et alentours. Contact {contact} {tags}",
           "Vente flash ce soir ⚡ {p1} {p2} prix cassés, livraison discrète. {contact} {tags}"),
    "en": ("{p1} & {p2} available in {city_name} 🚀 delivery 7/7, {contact} {tags}",
           "Fresh {p1} just landed 🔥 {p2} too. Fast delivery around {city_name}. Hit me up {contact} {tags}"),
    "nl": ("{p1} en {p2} te koop in {city_name} 🍀 levering 7/7 {contact} {tags}",
           "Verse {p1} binnen 🔥 ook {p2}. Snelle levering {city_name}. {contact} {tags}"),
}
CHATTER = {
    "fr": ("Quel temps de {shit} aujourd'hui à {city_name} 🌧️", "Cette série est une dinguerie, je recommande {tags}",
           "Embouteillages monstres ce matin sur le périph de {city_name}", "Match ce soir, qui vient ? {tags}",
           "Le marché de {city_name} ce dimanche, toujours aussi sympa {tags}", "Grève des bus à {city_name} 😤",
           "Pizzeria Chez Marco {city_name} : livraison 7j/7 au {phone} 🍕 {tags}",
           "Ce prof de maths c'est vraiment de la beuh... euh de la balle 😂", "Concert incroyable hier soir {tags}"),
    "en": ("What a {shit} weather in {city_name} today", "This show is fire, binge-watched it all {tags}",
           "Traffic in {city_name} is a nightmare this morning", "Best coffee in {city_name}? {tags}",
           "Just landed in {city_name} ✈️ {tags}", "Our bakery delivers 7/7 now, call {phone} {tags}"),
    "nl": ("Wat een rotweer in {city_name} vandaag 🌧️", "Deze serie is echt verslavend {tags}",
           "File op de ring van {city_name}, weer eens {tags}", "Wie gaat er mee naar het concert? {tags}"),
}
CITY_NAMES = {"toulouse": "Toulouse", "lorient": "Lorient", "paris": "Paris", "lyon": "Lyon",
              "marseille": "Marseille", "bruxelles": "Bruxelles", "liege": "Liège", "antwerpen": "Antwerpen",
              None: "la ville"}
ORDINARY_TAGS = ("meteo", "foot", "weekend", "serie", "concert", "food", "traffic", "music", "sunday")
FIRST = ("Lucas", "Emma", "Noah", "Lea", "Jade", "Louis", "Sam", "Ines", "Milan", "Lotte", "Daan", "Julie")
_TAG = re.compile(r"#(\w+)")


@dataclass(frozen=True, slots=True)
class Dealer:
    author: str
    city: str
    contacts: tuple[tuple[str, str], ...]


def phone(rng: random.Random, country: str) -> str:
    d = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    if country == "BE":
        return f"+32 4{rng.randint(60, 99)} {d[0]} {d[1]} {d[2]}"
    return f"+33 6 {' '.join(d)}" if rng.random() < 0.5 else f"06 {' '.join(d)}"


def dealers(config: WorldConfig, market_contacts: list[tuple[str, str]]) -> list[Dealer]:
    """Dealer personas; about a quarter reuse a messenger handle of a market actor."""
    rng = rng_for(config.seed, "dealers")
    cities = [c for c in ADVERT_SHARE if c]
    reusable = [c for c in market_contacts if c[0] in ("telegram", "wickr", "snapchat")]
    out = []
    for i in range(min(300, 30 + config.n_actors // 20)):
        city = cities[i % len(cities)]
        country = "BE" if city in ("bruxelles", "liege", "antwerpen") else "FR"
        author = f"{rng.choice(('plug', 'beuh', 'weed', 'delivery', 'snap'))}{rng.choice(('_', '.', ''))}{city}{rng.randint(1, 99)}"
        contacts = [("phone", phone(rng, country))]
        if reusable and rng.random() < 0.25:
            contacts.append(rng.choice(reusable))
        else:
            kind = rng.choice(("snapchat", "telegram", "wickr"))
            value = author.replace(".", "_") + ("" if kind == "wickr" else "_off")
            contacts.append((kind, "@" + value if kind != "wickr" else value))
        out.append(Dealer(author, city, tuple(contacts)))
    return out


def _contact_text(contacts: tuple[tuple[str, str], ...]) -> str:
    names = {"phone": "📞", "snapchat": "snap:", "telegram": "tg:", "wickr": "wickr:"}
    return " ".join(f"{names.get(k, k + ':')} {v}" for k, v in contacts)


def make_post(config: WorldConfig, day: int, k: int, pool: list[Dealer]) -> Post:
    rng = rng_for(config.seed, "post", day, k)
    city = weighted(rng, tuple(CITY_WEIGHTS), tuple(CITY_WEIGHTS.values()))
    advert = rng.random() < ADVERT_SHARE[city]
    lang = rng.choice(CITY_LANG.get(city, ("fr", "fr", "en")))
    city_tag = f"#{city}" if city else ""
    if advert:
        local = [d for d in pool if d.city == city] or pool
        dealer = rng.choice(local)
        p1, p2 = rng.sample(PRODUCTS[lang], 2)
        tags = " ".join(dict.fromkeys(["#" + t for t in rng.sample(SLANG, rng.randint(2, 4))] + [city_tag]))
        text = rng.choice(ADVERTS[lang]).format(p1=p1, p2=p2, city_name=CITY_NAMES[city],
                                                contact=_contact_text(dealer.contacts), tags=tags)
        author, contacts = dealer.author, dealer.contacts
    else:
        template = rng.choice(CHATTER[lang])
        tel = phone(rng, "BE" if city in ("bruxelles", "liege", "antwerpen") else "FR")
        tags = " ".join(dict.fromkeys(["#" + t for t in rng.sample(ORDINARY_TAGS, rng.randint(0, 2))] + [city_tag]))
        text = template.format(city_name=CITY_NAMES[city], shit=rng.choice(("shit", "merde", "fou")),
                               tags=tags, phone=tel)
        author = f"{rng.choice(FIRST).lower()}{rng.choice(('_', '.', ''))}{rng.randint(1, 9999)}"
        contacts = (("phone", tel),) if "{phone}" in template else ()
    text = " ".join(text.split())
    start = datetime.combine(config.start_date + timedelta(days=day), time(0), tzinfo=timezone.utc)
    posted = start + timedelta(seconds=rng.randrange(12 * 3600))
    hashtags = tuple(dict.fromkeys(t.lower() for t in _TAG.findall(text)))
    return Post("feed", str(10_000_000 + day * 100_000 + k), author, posted, text, hashtags, city,
                tuple(contacts), advert)


def day_posts(config: WorldConfig, day: int, pool: list[Dealer]) -> list[Post]:
    return [make_post(config, day, k, pool) for k in range(config.posts_per_day)]
