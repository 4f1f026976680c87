"""A small, deterministic set of scored ads for UI tests (bland synthetic listings only).

Shaped like the record schema in docs/ARCHITECTURE.md: entities, indicators with
character offsets, risk, priority, cluster, crawl, evidence. Phones come from the
fictional 06-1234 xxxx block. One ad carries an XSS payload to prove it stays inert.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
NAMES = ["Anna", "Bo", "Lisa", "Mira", "Noor", "Sanne", "Eva", "Tess", "Julia", "Fenna"]
CITIES = ["Utrecht", "Rotterdam", "Amsterdam", "Den Haag", "Eindhoven", "Groningen"]
POINTS = {  # lat, lon as nlp's gazetteer gives them
    "Utrecht": (52.0908, 5.1222),
    "Rotterdam": (51.9225, 4.4792),
    "Amsterdam": (52.3738, 4.8910),
    "Den Haag": (52.0799, 4.3113),
    "Eindhoven": (51.4416, 5.4697),
    "Groningen": (53.2194, 6.5665),
}


def gender_of(i: int) -> list[str]:
    """The advertised person's gender as the ad presents it: mostly female, some male, trans or unsaid."""
    if i % 4 == 1:
        return ["male"]
    if i % 7 == 3:
        return ["trans"]
    return [] if i % 5 == 0 else ["female"]


PHRASES = [  # (text, code, category, weight)
    ("nieuw in de stad", "TRAF_MOVEMENT", "trafficking", 0.3),
    ("alleen hotel", "TRAF_HOTEL", "trafficking", 0.4),
    ("24/7", "TRAF_AVAILABILITY_24_7", "trafficking", 0.3),
    ("jonge meid", "MINOR_YOUTH_TERMS", "minor", 0.6),
    ("afspraak via manager", "TRAF_RESTRICTED", "trafficking", 0.7),
]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def make_ad(i: int, rng: random.Random, *, body_extra: str = "") -> dict:
    name, city = NAMES[i % len(NAMES)], CITIES[i % len(CITIES)]
    age = 18 + (i * 7) % 12
    phone = f"+3161234{i // 3:04d}"  # every three ads share a phone -> related ads
    picked = rng.sample(PHRASES, k=1 + i % 3)
    title = f"{name}, {age}, {city}"
    body = f"Hoi, ik ben {name} ({age}) uit {city}. "
    indicators = []
    for text, code, category, weight in picked:
        start = len(body)
        body += text
        indicators.append(
            {
                "code": code,
                "category": category,
                "field": "body",
                "start": start,
                "end": start + len(text),
                "text": text,
                "weight": weight,
            }
        )
        body += ". "
    body += f"Bel 06-1234 {i // 3:04d}. 120 euro per uur.{body_extra}"
    minor = round(min(1.0, 0.1 + sum(w for *_, w in picked if _[2] == "minor")), 3)
    traf = round(min(1.0, sum(w for *_, c, w in picked if c == "trafficking")), 3)
    priority = round(max(minor, traf) * (0.5 + 0.5 * ((i * 37) % 100) / 100), 4)
    seen = NOW - timedelta(hours=i * 5)
    ad_id = f"prikbord:{1000 + i}"
    return {
        "id": ad_id,
        "site": "prikbord" if i % 2 else "vitrine",
        "url": f"http://127.0.0.1:8701/ad/{1000 + i}",
        "title": title,
        "body": body,
        "posted_at": _iso(seen),
        "language": "nl",
        "images": [
            {
                "url": f"http://127.0.0.1:8701/img/{i}.jpg",
                "sha256": hashlib.sha256(f"img{i // 3}".encode()).hexdigest(),
                "phash": f"{i // 3:016x}",
            }
        ],
        "crawl": {
            "site_ad_id": str(1000 + i),
            "first_seen": _iso(seen),
            "last_seen": _iso(NOW),
            "fetched_at": _iso(NOW),
            "version": 1,
        },
        "evidence": {
            "warc_file": "prikbord-20261120.warc.gz",
            "record_id": f"<urn:uuid:{i:08d}>",
            "sha256": hashlib.sha256(body.encode()).hexdigest(),
            "fetched_at": _iso(NOW),
        },
        "entities": {
            "phones": [phone],
            "emails": [],
            "handles": [{"platform": "telegram", "handle": f"{name.lower()}{i // 3}"}],
            "ages": [age],
            "locations": [{"name": city, "lat": POINTS[city][0], "lon": POINTS[city][1]}],
            "genders": gender_of(i),
            "names": [name],
            "prices": [{"amount": 120, "currency": "EUR", "per": "hour"}],
        },
        "indicators": indicators,
        "risk": {
            "minor": minor,
            "trafficking": traf,
            "priority": priority,
            "reasons": [c for _, c, *_ in picked],
            "model_version": "rules-test",
        },
        "cluster": {"id": f"c{i // 3}", "size": 3},
        "priority": priority,
    }


def make_ads(n: int = 30, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    ads = [make_ad(i, rng) for i in range(n)]
    # The XSS ad is the top of the queue so the browser test meets it first.
    xss = make_ad(n, rng, body_extra=" " + XSS)
    xss["title"] = f"Sanne {XSS}"
    xss["priority"] = xss["risk"]["priority"] = 0.99
    xss["crawl"]["version"] = 2
    return [xss, *ads]


def previous_version(ad: dict) -> dict:
    old = {k: v for k, v in ad.items() if k not in ("triage",)}
    old["body"] = ad["body"].replace("120 euro", "100 euro")
    old["crawl"] = {**ad["crawl"], "version": ad["crawl"]["version"] - 1}
    return old


def load(es: Elasticsearch, prefix: str, ads: list[dict]) -> None:
    actions = [{"_index": f"{prefix}-ads", "_id": ad["id"], "_source": ad} for ad in ads]
    for ad in ads:
        if ad["crawl"]["version"] > 1:
            old = previous_version(ad)
            version = old["crawl"]["version"]
            actions.append(
                {
                    "_index": f"{prefix}-ad-versions",
                    "_id": f"{ad['id']}:v{version}",
                    "_source": {
                        "ad_id": ad["id"],
                        "version": version,
                        "ad": old,
                        "first_seen": old["crawl"]["first_seen"],
                    },
                }
            )
    bulk(es, actions, refresh="wait_for")
