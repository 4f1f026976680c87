"""Analysed, labelled synthetic ads for the models tests and the bench.

The real chain is ``signaal.demo_sites.generate`` (ads + truth) then
``nlp.analyze``; this generator skips both and emits records that already carry
``entities`` and ``indicators``, so model training and scoring can be tested and
benchmarked on their own, quickly, at 100,000 ads. Listings are bland and
synthetic (phrase bank in ``data/synthetic.yaml``); phone numbers use the
unassigned country code +999, so they can never reach a real person.

Advertisers post several ads with one phone number and share labels, so a split
that ignores contacts would leak; a fraction of indicator phrases is missed by
the "lexicon" (present in the text, absent from ``indicators``), which only a
text model can recover.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from random import Random
from typing import Any

import yaml

from models.config import DATA_DIR


@lru_cache(maxsize=1)
def _bank() -> dict[str, Any]:
    with (DATA_DIR / "synthetic.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def generate(n_ads: int, seed: int = 0, ads_per_advertiser: int = 4) -> Iterator[dict[str, Any]]:
    """Yield ``n_ads`` analysed records with ``labels: {minor, trafficking}``, deterministic per seed."""
    rng = Random(seed)
    bank = _bank()
    rates = bank["rates"]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    made = 0
    advertiser = 0
    while made < n_ads:
        advertiser += 1
        minor = int(rng.random() < rates["advertiser_minor"])
        traf = int(rng.random() < rates["advertiser_trafficking"])
        phone = f"+99955{advertiser:07d}"  # country code 999 is unassigned: never a real number
        lang = rng.choice(["nl", "en"])
        site = rng.choice(["prikbord", "vitrine"])
        for _ in range(rng.randint(1, 2 * ads_per_advertiser - 1)):
            if made >= n_ads:
                break
            made += 1
            posted = start + timedelta(minutes=rng.randrange(60 * 24 * 365))
            yield _ad(rng, bank, f"{site}:{advertiser}-{made}", site, lang, phone, minor, traf, posted)


def _ad(
    rng: Random, bank: dict[str, Any], ad_id: str, site: str, lang: str, phone: str, minor: int, traf: int,
    posted: datetime,
) -> dict[str, Any]:
    rates = bank["rates"]
    name = rng.choice(bank["names"])
    city = rng.choice(bank["cities"])
    mr = rates["minor"]
    if minor and rng.random() < mr["stated_minor_age"]:
        age = rng.randint(15, 17)
    elif rng.random() < mr["borderline_age"]["positive" if minor else "negative"]:
        age = rng.randint(18, 19)
    else:
        age = rng.randint(20, 45)
    codes = [c for c, p in mr["positive" if minor else "negative"].items() if rng.random() < p]
    tr = rates["trafficking"]
    codes += [c for c, p in tr["positive" if traf else "negative"].items() if rng.random() < p]
    price = rng.randint(40, 80) if "TRAF_LOW_PRICE" in codes else rng.randint(100, 250)

    parts = [rng.choice(bank["openers"][lang]).format(name=name) + ",",
             bank["age"][lang].format(age=age), bank["city"][lang].format(city=city) + "."]
    indicators: list[dict[str, Any]] = []
    body = " ".join(parts)
    for code in codes:
        spec = bank["indicators"][code]
        phrases = spec[lang]
        detected = rng.random() >= rates["lexicon_miss"]
        if phrases:
            phrase = rng.choice(phrases)
            begin = len(body) + 1
            body = f"{body} {phrase}."
            if detected:
                indicators.append(_indicator(code, spec, begin, phrase))
        elif detected:
            indicators.append(_indicator(code, spec, 0, ""))
    shown_phone = " ".join(phone) if "TRAF_OBFUSCATED_CONTACT" in codes else phone
    body += " " + rng.choice(bank["availability"][lang]) + " " + bank["price"][lang].format(price=price)
    body += " " + bank["contact"][lang].format(phone=shown_phone)
    ages = [age]
    if age < 18:
        indicators.append({"code": "MINOR_STATED_AGE", "category": "minor", "field": "body", "start": 0,
                           "end": 0, "text": str(age), "weight": 0.9})
    elif age < 20:
        indicators.append({"code": "MINOR_BORDERLINE_AGE", "category": "minor", "field": "body", "start": 0,
                           "end": 0, "text": str(age), "weight": 0.3})
    return {
        "id": ad_id,
        "site": site,
        "url": f"http://127.0.0.1/{site}/ad/{ad_id.split(':')[1]}",
        "title": f"{name} in {city}",
        "body": body,
        "posted_at": posted.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": lang,
        "entities": {
            "phones": [phone], "emails": [], "handles": [], "ages": ages,
            "locations": [{"name": city}], "prices": [{"amount": price, "currency": "EUR", "per": "hour"}],
            "names": [name], "nationalities": [], "genders": [],
        },
        "indicators": indicators,
        "labels": {"minor": minor, "trafficking": traf},
    }


def _indicator(code: str, spec: dict[str, Any], start: int, text: str) -> dict[str, Any]:
    return {"code": code, "category": spec["category"], "field": "body", "start": start,
            "end": start + len(text), "text": text, "weight": spec["weight"]}
