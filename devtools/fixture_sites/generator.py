"""Deterministic synthetic ad generator with ground truth: ``generate(seed, n_ads, epoch)``.

How the world is drawn (rates in ``data/model.yaml``):
1. Advertisers: most post one ad; some post several ads that share a phone, e-mail, handle, photo or
   template text, under different names and/or cities (the ground truth for linking).
2. Labels: trafficking per advertiser, minor per person; indicators are expressed with probabilities that
   depend on the labels, with noise both ways.
3. Each ad's plan is written to text by ``render.write_ad``, which also reports what the text expresses.
4. Epoch 2+: some ads are edited (price, hours, wording) and a few new ads appear; ids stay stable.

Everything comes from ``random.Random`` streams seeded from ``seed``, so the same seed gives the same
corpus on every machine.
"""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import accumulate
from random import Random
from typing import Any

from devtools.fixture_sites.contacts import Phone, PhoneBook, handle_platforms
from devtools.fixture_sites.corpus import PHOTO_PATHS, SITES, Corpus, default_base_urls
from devtools.fixture_sites.data import load
from devtools.fixture_sites.images import VARIANTS, PhotoSpec, photo_ext
from devtools.fixture_sites.render import AdPlan, Person, write_ad

FIRST_POST = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
POST_INTERVAL_MINUTES = 13
SITE_PREFIX = {"prikbord": "p", "vitrine": "v"}
POSTCODE_LETTERS = "ABCEGHJKLMNPRTVWXZ"


@dataclass(slots=True)
class Advertiser:
    """Who posts: labels, what their ads share, and (for template advertisers) the shared wording."""

    id: str
    language: str
    bilingual: bool
    trafficking: bool
    n_ads: int
    shares: frozenset[str]
    same_person: bool
    age_inconsistent: bool
    gender: str
    person: Person
    minor: bool
    home_city: dict[str, Any]
    primary_site: str
    cross_site: bool
    template_seed: int
    traf_codes: set[str] = field(default_factory=set)
    phone: Phone | None = None
    email: tuple[str, str] | None = None
    handle: tuple[str, str] | None = None
    photo_pool: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Slot:
    """One ad while it is being built: its advertiser, place on a site, plan, photos and labels."""

    advertiser: Advertiser
    order: int = 0
    site: str = ""
    site_ad_id: str = ""
    plan: AdPlan | None = None
    photos: list[PhotoSpec] = field(default_factory=list)
    minor: bool = False
    edited: bool = False


class World:
    """All state of one generation run: random streams, number blocks, counters and the slots so far."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = Random(seed)
        self.model = load("model")
        self.rules = self.model["ads"]
        self.people = load("people")
        self.cities = load("places")["cities"]
        self.city_cum_weights = list(accumulate(c["weight"] for c in self.cities))
        self.phones = PhoneBook()
        self.platforms = handle_platforms()
        self.advertisers: list[Advertiser] = []
        self.slots: list[Slot] = []
        self.site_counters = dict.fromkeys(SITES, 0)
        self.photo_counter = 0
        self.contact_counter = 0

    # -- advertisers ---------------------------------------------------------------------------------
    def new_advertiser(self, rng: Random, force_single: bool = False) -> Advertiser:
        """Draw one advertiser (labels, size, what its ads share)."""
        cfg = self.model["advertisers"]
        multi = not force_single and rng.random() < cfg["multi_share"]
        traf = rng.random() < (cfg["p_trafficking_multi"] if multi else cfg["p_trafficking_single"])
        if multi:
            size = cfg["multi_ads_trafficking"] if traf else cfg["multi_ads"]
            n_ads = rng.randint(size["min"], size["max"])
        else:
            n_ads = 1
        language = "nl" if rng.random() < self.model["languages"]["nl"] else "en"
        bilingual = multi and rng.random() < cfg["p_bilingual"]
        shares = {k for k, p in cfg["p_share"].items() if multi and rng.random() < p}
        if bilingual:
            shares.discard("template")
        if multi and not shares:
            shares.add(rng.choice(["phone", "photo", "handle"]))
        same_person = multi and rng.random() < cfg["p_same_person"]
        gender = "m" if rng.random() < self.people["male_share"] else "f"
        minor = rng.random() < (self.rules["p_minor_if_trafficking"] if traf else self.rules["p_minor_otherwise"])
        visible_minor = minor and rng.random() >= self.rules["p_silent_minor"]
        adv = Advertiser(
            id=f"adv{len(self.advertisers) + 1:05d}",
            language=language,
            bilingual=bilingual,
            trafficking=traf,
            n_ads=n_ads,
            shares=frozenset(shares),
            same_person=same_person,
            age_inconsistent=same_person and rng.random() < cfg["p_age_inconsistent"],
            gender=gender,
            person=Person(self.pick_name(rng, gender), gender, self.draw_age(rng, visible_minor)),
            minor=minor,
            home_city=self.pick_city(rng),
            primary_site=rng.choice(SITES),
            cross_site=multi and rng.random() < cfg["p_cross_site"],
            template_seed=rng.getrandbits(32),
        )
        if "template" in shares:
            visible_traf = traf and rng.random() >= self.rules["p_silent_trafficking"]
            adv.traf_codes = self.draw_codes(rng, minor=False, traf=visible_traf) - _minor_codes()
        if "phone" in shares:
            adv.phone = self.phones.allocate(rng, self.foreign_factor(traf))
        if "email" in shares:
            adv.email = self.new_email(rng, adv.person.name)
        if "handle" in shares:
            adv.handle = self.new_handle(rng, adv.person.name)
        if "photo" in shares:
            adv.photo_pool = [self.new_photo_base() for _ in range(rng.randint(1, 3))]
        self.advertisers.append(adv)
        return adv

    def foreign_factor(self, traf: bool) -> float:
        return self.rules["foreign_phone_weight_trafficking"] if traf else 1.0

    def pick_name(self, rng: Random, gender: str, avoid: str | None = None) -> str:
        names = self.people["names"][gender]
        name = rng.choice(names)
        while name == avoid:
            name = rng.choice(names)
        return name

    def pick_city(self, rng: Random) -> dict[str, Any]:
        return rng.choices(self.cities, cum_weights=self.city_cum_weights)[0]

    def draw_age(self, rng: Random, minor: bool) -> int | None:
        """A claimed age: minors mostly claim 15-19, adults 18-45; sometimes no age at all."""
        if rng.random() < self.rules["p_no_age"]:
            return None
        table = list(self.rules["ages"]["minor" if minor else "adult"].values())
        r = rng.random() * sum(p for p, _ in table)
        for p, (low, high) in table:
            r -= p
            if r < 0:
                return rng.randint(low, high)
        low, high = table[-1][1]
        return rng.randint(low, high)

    def draw_codes(self, rng: Random, minor: bool, traf: bool) -> set[str]:
        """Indicator codes to express given the *visible* labels (silent labelled ads pass False)."""
        codes = set()
        for code, (p_benign, p_labelled) in self.model["indicators"].items():
            labelled = minor if code.startswith("MINOR") else traf
            if rng.random() < (p_labelled if labelled else p_benign):
                codes.add(code)
        return codes

    def next_contact_tag(self) -> str:
        self.contact_counter += 1
        return _base36(self.contact_counter)

    def new_email(self, rng: Random, name: str) -> tuple[str, str]:
        user = f"{name.lower()}{rng.choice(self.people['handle_suffixes'])}{self.next_contact_tag()}"
        return user.replace("..", "."), rng.choice(self.people["email_hosts"])

    def new_handle(self, rng: Random, name: str) -> tuple[str, str]:
        suffix = rng.choice(self.people["handle_suffixes"])
        return rng.choice(self.platforms), f"{name.lower()}{suffix}{self.next_contact_tag()}"

    def new_photo_base(self) -> int:
        self.photo_counter += 1
        return self.photo_counter

    # -- ads -----------------------------------------------------------------------------------------
    def place(self, slot: Slot, rng: Random) -> None:
        """Give a slot its site, site ad id and place in posting order."""
        adv = slot.advertiser
        site = rng.choice(SITES) if adv.n_ads == 1 or adv.cross_site else adv.primary_site
        self.site_counters[site] += 1
        slot.site = site
        slot.site_ad_id = f"{SITE_PREFIX[site]}{self.site_counters[site]:05d}"
        slot.order = len(self.slots)
        self.slots.append(slot)

    def plan(self, slot: Slot, rng: Random) -> None:
        """Draw the ad's plan: person, place, indicators, price, contacts and photos."""
        adv = slot.advertiser
        rules = self.rules
        language = rng.choice(["nl", "en"]) if adv.bilingual else adv.language
        visible_traf = adv.trafficking and rng.random() >= rules["p_silent_trafficking"]
        if adv.same_person:
            minor = adv.minor
            visible_minor = minor and adv.person.age is not None and adv.person.age < 20
            age = adv.person.age
            if age is not None and adv.age_inconsistent and rng.random() < 0.6:
                age = max(15, age + rng.choice([-2, -1, 1, 2]))
            person = Person(adv.person.name, adv.gender, age)
            city = self.pick_city(rng) if rng.random() < 0.7 else adv.home_city
        else:
            minor = (
                adv.minor
                if adv.n_ads == 1
                else rng.random() < (rules["p_minor_if_trafficking"] if adv.trafficking else rules["p_minor_otherwise"])
            )
            visible_minor = minor and rng.random() >= rules["p_silent_minor"]
            person = Person(self.pick_name(rng, adv.gender), adv.gender, self.draw_age(rng, visible_minor))
            city = adv.home_city if adv.n_ads > 1 and rng.random() < 0.5 else self.pick_city(rng)
        codes = self.draw_codes(rng, visible_minor, visible_traf)
        if "template" in adv.shares:
            codes = (codes & _minor_codes()) | adv.traf_codes
        if minor:
            codes.discard("TRAF_UNPROTECTED")
        second = None
        if "TRAF_MULTIPLE_PERSONS" in codes and rng.random() < 0.5:
            second = Person(self.pick_name(rng, adv.gender, avoid=person.name), adv.gender, rng.randint(18, 30))
        price_cfg = rules["price"]
        if "TRAF_LOW_PRICE" in codes:
            low, high = price_cfg["low"]
            price: int | None = rng.randrange(low, high + 1, price_cfg["step"])
        elif rng.random() < rules["p_price"]:
            low, high = price_cfg["normal"]
            price = rng.randrange(low, high + 1, price_cfg["step"])
        else:
            price = None
        phone = adv.phone if adv.phone else None
        if phone is None and rng.random() < rules["p_phone"]:
            phone = self.phones.allocate(rng, self.foreign_factor(adv.trafficking))
        email = adv.email
        if email is None and rng.random() < rules["p_email"]:
            email = self.new_email(rng, person.name)
        handles = [adv.handle] if adv.handle else []
        if not handles and rng.random() < rules["p_handle"]:
            handles = [self.new_handle(rng, person.name)]
        if phone is None and (email is None or "TRAF_OBFUSCATED_CONTACT" in codes) and not handles:
            phone = self.phones.allocate(rng, self.foreign_factor(adv.trafficking))
        if "TRAF_OBFUSCATED_CONTACT" in codes and phone is None and email is None:
            phone = self.phones.allocate(rng, self.foreign_factor(adv.trafficking))
        postcode = None
        if rng.random() < rules["p_postcode"]:
            low, high = city["postcode"]
            postcode = f"{rng.randint(low, high)} {rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
        slot.minor = minor
        slot.plan = AdPlan(
            language=language,
            person=person,
            city=city,
            city_display=rng.choice(city[language]),
            codes=codes,
            price=price,
            hours=(rng.randint(9, 14), rng.randint(19, 23)),
            phone=phone,
            email=email,
            handles=handles,
            second=second,
            postcode=postcode,
            text_seed=adv.template_seed if "template" in adv.shares else rng.getrandbits(32),
            local_seed=rng.getrandbits(32),
            template="template" in adv.shares,
        )
        slot.photos = self.draw_photos(rng, adv)

    def draw_photos(self, rng: Random, adv: Advertiser) -> list[PhotoSpec]:
        """Own photos, or some from the advertiser's pool (sometimes slightly altered copies); the advertiser's
        camera took them all (one GPS home when it records positions: images.owner_home)."""
        owner = (adv.id, adv.home_city["canonical"])
        specs = []
        if adv.photo_pool:
            for base in rng.sample(adv.photo_pool, min(len(adv.photo_pool), rng.randint(1, 2))):
                variant = rng.choice(VARIANTS[1:]) if rng.random() < 0.35 else 0
                specs.append(PhotoSpec(self.seed, base, variant, *owner))
            if rng.random() < 0.3:
                specs.append(PhotoSpec(self.seed, self.new_photo_base(), 0, *owner))
        else:
            lo, hi = self.rules["photos"]["min"], self.rules["photos"]["max"]
            specs = [PhotoSpec(self.seed, self.new_photo_base(), 0, *owner) for _ in range(rng.randint(lo, hi))]
        return specs


@cache
def _minor_codes() -> frozenset[str]:
    return frozenset(code for code in load("model")["indicators"] if code.startswith("MINOR"))


def _ad_seed(seed: int, order: int) -> int:
    """Per-ad random stream: an ad's plan does not depend on how many ads are drawn after it."""
    return (seed & 0xFFFFFFFF) << 32 | order


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _build_epoch1(world: World, n_ads: int) -> None:
    rng = world.rng
    pending: list[Slot] = []
    while len(pending) < n_ads:
        adv = world.new_advertiser(rng)
        pending.extend(Slot(adv) for _ in range(adv.n_ads))
    del pending[n_ads:]
    rng.shuffle(pending)
    for slot in pending:
        world.place(slot, rng)
    for slot in world.slots:
        world.plan(slot, Random(_ad_seed(world.seed, slot.order)))


def _apply_epoch(world: World, epoch: int, n_ads: int) -> None:
    """Edit ~5% of the ads (price, hours or wording) and post a few new ones."""
    cfg = world.model["epochs"]
    rng = Random(f"{world.seed}:epoch:{epoch}")
    price_cfg = world.rules["price"]
    for slot in world.slots:
        slot.edited = False
        if rng.random() >= cfg["p_edit"] or slot.plan is None:
            continue
        plan = slot.plan
        before = write_ad(plan)
        kind = rng.choice(["price", "hours", "wording"])
        changes: dict[str, Any] = {}
        if kind == "price" and plan.price is not None:
            low, high = price_cfg["low" if plan.price < price_cfg["low_threshold"] else "normal"]
            options = [p for p in range(low, high + 1, price_cfg["step"]) if p != plan.price]
            changes["price"] = rng.choice(options)
        elif kind == "hours":
            start, end = plan.hours
            changes["hours"] = (start, end + 1 if end < 23 else end - 1)
        bank = load(f"phrases_{plan.language}")
        changes["edit_note"] = rng.choice(bank["edit_notes"]) if kind == "wording" or rng.random() < 0.3 else None
        new_plan = dataclasses.replace(plan, **changes)
        if write_ad(new_plan).body == before.body:
            new_plan.edit_note = rng.choice(bank["edit_notes"])
        slot.plan = new_plan
        slot.edited = True
    multi = [a for a in world.advertisers if a.n_ads > 1]
    for _ in range(max(1, round(cfg["new_ads_share"] * n_ads))):
        if multi and rng.random() < cfg["p_new_from_existing_advertiser"]:
            adv = rng.choice(multi)
        else:
            adv = world.new_advertiser(rng, force_single=True)
        slot = Slot(adv)
        world.place(slot, rng)
        world.plan(slot, Random(_ad_seed(world.seed, slot.order)))


def _link_codes(slots: list[Slot], written: list[Any]) -> list[list[str]]:
    """Link-level codes derivable from the truth: shared contact, template text, inconsistent ages."""
    codes: list[set[str]] = [set() for _ in slots]
    by_contact: dict[str, list[int]] = defaultdict(list)
    by_person: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_template: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(written):
        ent = w.entities
        keys = ent["phones"] + ent["emails"] + [f"{h['platform']}:{h['handle']}" for h in ent["handles"]]
        for key in keys:
            by_contact[key].append(i)
        adv = slots[i].advertiser
        by_person[(adv.id, ent["names"][0])].append(i)
        if slots[i].plan is not None and slots[i].plan.template:
            by_template[adv.id].append(i)
    for members in by_contact.values():
        people = {(written[i].entities["names"][0], written[i].entities["locations"][0]) for i in members}
        if len(members) > 1 and len(people) > 1:
            for i in members:
                codes[i].add("TRAF_SHARED_CONTACT")
    for members in by_template.values():
        if len({written[i].entities["names"][0] for i in members}) > 1:
            for i in members:
                codes[i].add("TRAF_TEMPLATE_TEXT")
    for members in by_person.values():
        ages = {written[i].entities["ages"][0] for i in members if written[i].entities["ages"]}
        if len(ages) > 1:
            for i in members:
                if written[i].entities["ages"]:
                    codes[i].add("MINOR_AGE_INCONSISTENT")
    return [sorted(c) for c in codes]


def generate(seed: int = 7, n_ads: int = 600, epoch: int = 1, base_urls: dict[str, str] | None = None) -> Corpus:
    """Generate the corpus for ``seed`` at ``epoch`` (1 = first crawl; 2+ adds edits and new ads).

    ``base_urls`` maps site -> ``http://host:port`` for the ads' ``url`` and ``images`` (default: the
    default ``serve`` ports). Ads are identical for a given seed, n_ads and epoch apart from those URLs.
    """
    if n_ads < 1:
        raise ValueError("n_ads must be at least 1")
    if epoch < 1:
        raise ValueError("epoch must be 1 or more")
    # Millions of small acyclic dicts: the cyclic GC would rescan them over and over (~25 % of the time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, n_ads, epoch, base_urls)
    finally:
        if was_enabled:
            gc.enable()


def _generate(seed: int, n_ads: int, epoch: int, base_urls: dict[str, str] | None) -> Corpus:
    bases = {**default_base_urls(), **(base_urls or {})}
    world = World(seed)
    _build_epoch1(world, n_ads)
    for e in range(2, epoch + 1):
        _apply_epoch(world, e, n_ads)
    written = [write_ad(slot.plan) for slot in world.slots if slot.plan is not None]
    link_codes = _link_codes(world.slots, written)
    ads, truth, photos = [], [], {}
    for slot, w, links in zip(world.slots, written, link_codes, strict=True):
        base = bases[slot.site].rstrip("/")
        ad_id = f"{slot.site}:{slot.site_ad_id}"
        posted = FIRST_POST + timedelta(minutes=slot.order * POST_INTERVAL_MINUTES + (slot.order * 7919) % 11)
        photo_ids = []
        for spec in slot.photos:
            pid = spec.photo_id
            photos[pid] = spec
            photo_ids.append(pid)
        plan = slot.plan
        assert plan is not None
        ads.append(
            {
                "id": ad_id,
                "site": slot.site,
                "url": f"{base}/ad/{slot.site_ad_id}",
                "title": w.title,
                "body": w.body,
                "posted_at": posted.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "images": [f"{base}{PHOTO_PATHS[slot.site]}{s.photo_id}.{photo_ext(s)}" for s in slot.photos],
                "site_ad_id": slot.site_ad_id,
                "city": plan.city_display,
            }
        )
        truth.append(
            {
                "id": ad_id,
                "advertiser_id": slot.advertiser.id,
                "labels": {"minor": int(slot.minor), "trafficking": int(slot.advertiser.trafficking)},
                "language": plan.language,
                "entities": w.entities,
                "indicator_codes": w.codes,
                "link_codes": links,
                "edited": slot.edited,
                "photos": photo_ids,
            }
        )
    return Corpus(seed=seed, n_ads=n_ads, epoch=epoch, base_urls=bases, ads=ads, truth=truth, photos=photos)
