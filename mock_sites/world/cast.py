"""The cast: actors (vendors and impostors), their accounts, keys, contacts and profiles.

Also decides the actor-level events: which accounts close with the exit scam or the
takedown, which actors migrate (and when), and which NL actors relocate to BE.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from mock_sites.world import geography, identity
from mock_sites.world.catalogue import CATEGORY_WEIGHTS, SYNTHETIC_BOOST
from mock_sites.world.config import MARKETS, WorldConfig
from mock_sites.world.model import Event
from mock_sites.world.pgp import PgpKey, make_key
from mock_sites.world.plans import NEVER, AccountPlan, ActorPlan
from mock_sites.world.rng import quotas, rng_for, weighted

SITE_WEIGHTS = {"bazaar": 0.42, "nocturne": 0.33, "vault": 0.25}
HTML_ACTOR = 2          # index of the actor whose bazaar handle holds HTML


@dataclass
class Cast:
    actors: list[ActorPlan]
    accounts: list[AccountPlan]
    events: list[Event] = field(default_factory=list)


class _Builder:
    def __init__(self, config: WorldConfig):
        self.config = config
        self.seed = config.seed
        self.actors: list[ActorPlan] = []
        self.accounts: list[AccountPlan] = []
        self.events: list[Event] = []
        self.taken = {site: set() for site in MARKETS}
        self.bases: set[str] = set()
        self.base_of: dict[int, str] = {}
        self.actor_contacts: dict[int, tuple] = {}
        self.n_keys = 0

    # -- helpers ---------------------------------------------------------------------------
    def last_day_of(self, site: str) -> int:
        """Last day on which the site still holds its data."""
        c = self.config
        last = NEVER
        if site == c.exit_site and c.exit_day is not None:
            last = min(last, c.exit_day - 1)
        if site == c.takedown_site and c.takedown_day is not None:
            last = min(last, c.takedown_day - 1)
        return last

    def new_key(self, rng: random.Random, handle: str, created_day: int) -> PgpKey:
        self.n_keys += 1
        name = re.sub(r"[<>()/]", "", handle) or "vendor"
        slug = re.sub(r"[^a-z0-9._-]", "", name.lower()) or "vendor"
        when = datetime.combine(self.config.start_date, time(12), tzinfo=timezone.utc) + timedelta(days=created_day)
        created = int(when.timestamp()) - rng.randint(0, 86_399)
        return make_key(rng_for(self.seed, "pgp", self.n_keys), created, f"{name} <{slug}@example.invalid>")

    def add_account(self, actor: ActorPlan, site: str, handle: str, opened: int, closed: int,
                    keys: tuple, contacts: tuple, rng: random.Random, copy_of: int | None = None) -> AccountPlan:
        start = self.config.start_date
        join = start - timedelta(days=rng.randint(15, 700)) if opened == 0 else start + timedelta(days=opened)
        age = (start - join).days
        base_sales = int(max(0, age) * actor.popularity * rng.uniform(0.05, 0.4))
        base_rating = Decimal(str(round(min(5.0, 3.2 + 1.8 * actor.quality - rng.uniform(0, 0.15)), 2)))
        k = rng.randrange(6)
        profile = identity.profile_text(actor.style, handle, actor.specialities, actor.origins, k)
        plan = AccountPlan(len(self.accounts), site, handle, actor.index, opened, closed, join, keys, contacts,
                           profile, profile, base_sales if opened == 0 else 0, base_rating, copy_of)
        self.accounts.append(plan)
        actor.accounts.append(plan.index)
        return plan

    def account_contacts(self, rng: random.Random, actor: ActorPlan, handle: str) -> tuple:
        own = self.actor_contacts[actor.index]
        shown = [c for c in own if rng.random() < 0.75] or [own[0]]
        if rng.random() < 0.2:
            shown += identity.make_contacts(rng, handle, actor.home)[:1]
        return tuple(sorted(set(shown)))

    def open_close(self, rng: random.Random, site: str) -> tuple[int, int]:
        days = self.config.days
        last = self.last_day_of(site)
        opened = 0 if rng.random() < 0.88 else rng.randint(1, max(1, days - 1))
        if opened > last:
            opened = rng.randint(0, max(0, last))
        closed = rng.randint(opened + 1, days - 1) if rng.random() < 0.08 and opened + 1 < days else NEVER
        return opened, min(closed, last)

    # -- actors ------------------------------------------------------------------------------
    def homes(self, n: int) -> list[str]:
        homes = quotas(geography.HOME_SHARES, n)
        rng_for(self.seed, "homes").shuffle(homes)
        rng = rng_for(self.seed, "homes", "belgium")
        while homes.count("BE") < min(2, n):
            spots = [i for i, h in enumerate(homes) if h != "BE" and i != HTML_ACTOR]
            homes[rng.choice(spots)] = "BE"
        return homes

    def origins(self, homes: list[str]) -> list[tuple[str, ...]]:
        out = []
        for i, home in enumerate(homes):
            rng = rng_for(self.seed, "origins", i)
            p = {"BE": 0.45, "NL": 0.10, "DE": 0.05}.get(home, 0.02)
            if rng.random() >= p:
                out.append((home,))
            elif home in ("BE", "NL") and (home == "BE" or rng.random() < 0.6):
                out.append(("NL", "BE"))
            else:
                out.append((home, geography.second_origin(home, rng)))
        # at least two NL+BE actors, even in small worlds: one BE, then NL ones
        rng = rng_for(self.seed, "origins", "force")
        for wanted in ("BE", "NL", "BE", "NL"):
            if sum(1 for o in out if set(o) == {"NL", "BE"}) >= 2:
                break
            spots = [i for i, h in enumerate(homes) if h == wanted and set(out[i]) != {"NL", "BE"}]
            if spots:
                out[rng.choice(spots)] = ("NL", "BE")
        return out

    def specialities(self, rng: random.Random, home: str) -> tuple[str, ...]:
        cats = list(CATEGORY_WEIGHTS)
        weights = [CATEGORY_WEIGHTS[c] * (SYNTHETIC_BOOST.get(c, 1.0) if home in ("BE", "NL") else 1.0)
                   for c in cats]
        n = weighted(rng, (1, 2, 3), (50, 35, 15))
        chosen: list[str] = []
        while len(chosen) < n:
            c = weighted(rng, cats, weights)
            if c not in chosen:
                chosen.append(c)
        return tuple(chosen)

    def vendor(self, i: int, home: str, origins: tuple[str, ...]) -> None:
        rng = rng_for(self.seed, "actor", i)
        actor = ActorPlan(i, f"A{i + 1:05d}", "vendor", None, home, origins, self.specialities(rng, home),
                          identity.make_style(rng, geography.language_of(home, rng)),
                          rng.uniform(0.9, 1.12), rng.lognormvariate(0, 0.6), rng.betavariate(8, 1.5))
        self.actors.append(actor)
        base = identity.unique_handle(identity.base_handle(rng), self.bases)
        self.base_of[i] = base
        self.actor_contacts[i] = identity.make_contacts(rng, base, home)
        n_sites = weighted(rng, (1, 2, 3), (65, 25, 10))
        sites: list[str] = []
        while len(sites) < n_sites:
            s = weighted(rng, MARKETS, [SITE_WEIGHTS[m] for m in MARKETS])
            if s not in sites:
                sites.append(s)
        if i == HTML_ACTOR and "bazaar" not in sites:
            sites[0] = "bazaar"
        policy = weighted(rng, ("shared", "rotate", "distinct"), (70, 15, 15)) if n_sites > 1 else \
            ("shared" if rng.random() < 0.95 else "none")
        first_key = self.new_key(rng, base, -rng.randint(20, 900)) if policy != "none" else None
        for k, site in enumerate(sites):
            if i == HTML_ACTOR and site == "bazaar":
                handle = identity.HTML_HANDLE
                opened, closed = 0, self.last_day_of(site)
            else:
                wanted = base if k == 0 else identity.handle_variant(base, home, rng.randrange(7))
                handle = identity.unique_handle(wanted, self.taken[site])
                opened, closed = self.open_close(rng, site)
            self.taken[site].add(handle.lower())
            key = first_key
            if policy == "distinct" and k > 0:
                key = self.new_key(rng, handle, -rng.randint(5, 400))
            keys: tuple = ((min(opened, 0), key),)
            if policy == "rotate" and k == len(sites) - 1 and self.config.days > 12:
                day = rng.randint(5, self.config.days - 5)
                keys += ((day, self.new_key(rng, handle, day)),)
            self.add_account(actor, site, handle, opened, closed, keys,
                             self.account_contacts(rng, actor, handle), rng)

    def impostor_targets(self) -> list[ActorPlan]:
        return [a for a in self.actors if a.kind == "vendor" and a.index != HTML_ACTOR
                and any(self.accounts[j].opened_day < self.last_day_of(self.accounts[j].site) for j in a.accounts)]

    def impostor(self, i: int, targets: list[ActorPlan]) -> None:
        rng = rng_for(self.seed, "actor", i)
        target = rng.choice(targets)
        home = rng.choice([c for c in ("US", "GB", "DE", "FR", "CA", "AU", "ES", "PL") if c != target.home])
        actor = ActorPlan(i, f"A{i + 1:05d}", "impostor", target.actor_id, home, (home,), target.specialities,
                          identity.make_style(rng, geography.language_of(home, rng), avoid=target.style),
                          rng.uniform(0.75, 0.9), rng.uniform(0.2, 0.5), rng.uniform(0.1, 0.4))
        self.actors.append(actor)
        base = identity.look_alike(self.base_of[target.index], rng.randrange(5))
        self.actor_contacts[i] = identity.make_contacts(rng, base, home)
        key = self.new_key(rng, base, -rng.randint(1, 60))
        target_accounts = [self.accounts[j] for j in target.accounts]
        chosen = rng.sample(target_accounts, min(len(target_accounts), rng.choice((1, 1, 2))))
        for acc in chosen:
            last = self.last_day_of(acc.site)
            if acc.opened_day > last:
                continue
            handle = identity.unique_handle(identity.look_alike(acc.handle, rng.randrange(5)), self.taken[acc.site])
            opened = 0 if rng.random() < 0.5 else rng.randint(0, max(0, min(last, self.config.days - 1)))
            self.add_account(actor, acc.site, handle, opened, last, ((min(opened, 0), key),),
                             self.actor_contacts[i], rng)

    # -- events ------------------------------------------------------------------------------
    def migrate(self) -> None:
        c = self.config
        if c.exit_site is None or c.exit_day is None or c.exit_day >= c.days:
            return
        rng = rng_for(self.seed, "migration")
        leaving = []
        for acc in self.accounts:
            if acc.site == c.exit_site and acc.closed_day == c.exit_day - 1 and acc.opened_day < c.exit_day:
                actor = self.actors[acc.actor]
                others = {self.accounts[j].site for j in actor.accounts}
                free = [s for s in MARKETS if s not in others and self.last_day_of(s) >= c.exit_day + c.migration_window]
                if free:
                    leaving.append((acc, actor, free))
        n = round(c.migration_share * len(leaving))
        for acc, actor, free in sorted(rng.sample(leaving, n), key=lambda t: t[0].index):
            arng = rng_for(self.seed, "migration", actor.index)
            for site in (free if arng.random() < 0.3 else [arng.choice(free)]):
                opened = min(c.days - 1, c.exit_day + arng.randrange(max(1, c.migration_window)))
                base = self.base_of.get(actor.index, acc.handle)
                handle = identity.unique_handle(identity.handle_variant(base, actor.home, arng.randrange(7)),
                                                self.taken[site])
                key = acc.key_on(NEVER)
                if key is None or arng.random() < 0.15:
                    key = self.new_key(arng, handle, opened)
                self.add_account(actor, site, handle, opened, self.last_day_of(site), ((opened, key),),
                                 self.account_contacts(arng, actor, handle), arng, copy_of=acc.index)
                self.events.append(Event(opened, site, "migration", (
                    ("actor", actor.actor_id), ("from", c.exit_site), ("handle", handle), ("to", site))))

    def relocate(self) -> None:
        c = self.config
        day = c.relocation_day
        if day is None or not 0 <= day < c.days:
            return
        rng = rng_for(self.seed, "relocation")

        def active(a: ActorPlan) -> bool:
            return any(self.accounts[j].opened_day <= day <= self.accounts[j].closed_day for j in a.accounts)

        cands = [a for a in self.actors if a.kind == "vendor" and "NL" in a.origins and active(a)]
        both = [a for a in cands if set(a.origins) == {"NL", "BE"}]
        plain = [a for a in cands if a.origins == ("NL",)]
        chosen = [rng.choice(both)] if both else []
        chosen += rng.sample(plain, min(len(plain), rng.randint(1, 3) - len(chosen))) if plain else []
        for actor in sorted(chosen, key=lambda a: a.index):
            actor.relocation_day = day
            self.events.append(Event(day, None, "relocation",
                                     (("actor", actor.actor_id), ("from", "NL"), ("to", "BE"))))


def build_cast(config: WorldConfig) -> Cast:
    b = _Builder(config)
    n = config.n_actors
    n_imp = round(0.05 * n) if n >= 10 else 0
    homes = b.homes(n - n_imp)
    for i, (home, origins) in enumerate(zip(homes, b.origins(homes))):
        b.vendor(i, home, origins)
    targets = b.impostor_targets()
    for i in range(n - n_imp, n):
        b.impostor(i, targets)
    b.migrate()
    b.relocate()
    # profiles after relocation are only known now
    for acc in b.accounts:
        actor = b.actors[acc.actor]
        if actor.relocation_day is not None:
            acc.profile_after = acc.profile_before.replace(" & ".join(actor.origins),
                                                           " & ".join(actor.origins_on(NEVER)))
    return Cast(b.actors, b.accounts, b.events)
