"""Bland synthetic *scored* ads for indexing tests and benchmarks (no NLP or model needed to make them).

Each ad is a plain listing (name, age, city, availability, contact, price per
hour), shaped like the output of ``signaal score`` (docs/ARCHITECTURE.md).
Phone numbers come from the +44 7700 900xxx range reserved for fiction; sites
are invented and live on 127.0.0.1. Deterministic: ad ``n`` is always the same.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from signaal.ids import content_hash

NAMES = ("Anna", "Bo", "Chris", "Daan", "Eva", "Fleur", "Lina", "Mila", "Noor", "Sam")
CITIES = (("Utrecht", 52.09, 5.12), ("Zwolle", 52.52, 6.09), ("Delft", 52.01, 4.36), ("Breda", 51.59, 4.78))
HOURS = ("ma-vr 10:00-18:00", "weekends 12:00-20:00", "Mon-Fri 9am-5pm", "op afspraak")


def fictional_phone(n: int) -> str:
    """One of the thousand UK numbers reserved for drama/fiction, in E.164."""
    return f"+447700900{n % 1000:03d}"


def scored_ad(n: int, *, site: str = "benchsite", edit: int = 0) -> dict[str, Any]:
    """Synthetic scored ad number ``n``; ``edit`` > 0 changes the body (a new version of the same ad)."""
    rng = random.Random(n)
    name, (city, lat, lon) = rng.choice(NAMES), rng.choice(CITIES)
    age, price, phone = rng.randint(19, 45), rng.choice((60, 80, 100, 120)), fictional_phone(rng.randrange(1000))
    title = f"{name}, {age}, {city}"
    body = f"{name} ({age}) in {city}. Beschikbaar {rng.choice(HOURS)}. Bel {phone}. {price} euro per uur."
    if edit:
        body += f" Update {edit}: nieuwe tijden."
    hotel = rng.random() < 0.2
    if hotel:
        body += " Alleen hotel."
    indicators = []
    if hotel:
        start = body.index("Alleen hotel")
        indicators.append(
            {
                "code": "TRAF_HOTEL",
                "category": "trafficking",
                "field": "body",
                "start": start,
                "end": start + 12,
                "text": "Alleen hotel",
                "weight": 0.3,
            }
        )
    photo = hashlib.sha256(f"photo-{n % 5000}".encode()).hexdigest()
    return {
        "id": f"{site}:{n}",
        "site": site,
        "url": f"http://127.0.0.1:8000/{site}/ad/{n}",
        "title": title,
        "body": body,
        "posted_at": "2026-01-05T10:00:00Z",
        "images": [
            {
                "url": f"http://127.0.0.1:8000/{site}/img/{n % 5000}.png",
                "sha256": photo,
                "phash": photo[:16],
                "width": 320,
                "height": 240,
            }
        ],
        "crawl": {
            "site_ad_id": str(n),
            "content_hash": content_hash(title, body),
            "fetched_at": "2026-01-05T12:00:00Z",
        },
        "language": "nl",
        "entities": {
            "phones": [phone],
            "emails": [],
            "handles": [{"platform": "telegram", "handle": f"{name.lower()}_{n % 700}"}],
            "ages": [age],
            "locations": [{"name": city, "lat": lat, "lon": lon}],
            "prices": [{"amount": price, "currency": "EUR", "per": "hour"}],
            "names": [name],
            "nationalities": [],
            "genders": [],
        },
        "indicators": indicators,
        "risk": {
            "minor": round(rng.random() * 0.2, 3),
            "trafficking": 0.3 if hotel else 0.05,
            "priority": 0.3 if hotel else 0.05,
            "reasons": ["TRAF_HOTEL"] if hotel else [],
            "model_version": "rules-baseline",
        },
    }
