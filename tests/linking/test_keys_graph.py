"""Linking without Elasticsearch: keys, candidate generation, caps, components, indicators."""

from __future__ import annotations

import random

import pytest

from linking.config import ConfigError, default_config, load_config
from linking.graph import components, count_values, find_links
from linking.indicators import link_indicators
from linking.keys import (
    ad_keys,
    distance_m,
    gps_cell,
    hamming,
    nearby_place_keys,
    photo_chunk_keys,
    place_key,
    text_tokens,
)

BODY = (
    "Hoi, ik ben {name}, {age} jaar en woon in {city}. Vriendelijke dame, afspraak mogelijk van maandag "
    "tot vrijdag in de middag. Tarief {price} euro per uur. Bellen kan op {phone}."
)


def ad(ad_id: str, name: str, age: int, city: str, phone: str, *, phash: str | None = None, body: str = BODY):
    return {
        "id": ad_id,
        "site": "prikbord",
        "title": f"{name} in {city}",
        "body": body.format(name=name, age=age, city=city, price=120, phone=phone),
        "entities": {"phones": [phone], "names": [name], "ages": [age], "locations": [{"name": city}]},
        "images": [{"sha256": ad_id * 2, "phash": phash}] if phash else [],
    }


def test_photo_chunks_find_every_hash_within_the_distance():
    rng = random.Random(3)
    d = default_config().photo.max_distance
    for _ in range(300):
        a = rng.getrandbits(64)
        b = a
        for bit in rng.sample(range(64), rng.randint(0, d)):
            b ^= 1 << bit
        assert hamming(a, b) <= d
        assert set(photo_chunk_keys(a, d)) & set(photo_chunk_keys(b, d))


def test_text_tokens_mask_numbers_names_and_cities():
    tokens = text_tokens("Anna in Den Haag", "Anna is 21 jaar, bel 0612345678", ["Anna"], ["Den Haag"])
    assert tokens == ["<name>", "in", "<city>", "<city>", "<name>", "is", "#", "jaar", "bel", "#"]


def test_template_for_different_persons_links_and_flags():
    cfg = default_config()
    ads = [ad("s:1", "Anna", 21, "Utrecht", "+31612340001"), ad("s:2", "Bea", 24, "Leiden", "+31612340002")]
    keys = {a["id"]: ad_keys(a, cfg) for a in ads}
    links = find_links(list(keys.values()), count_values(keys.values()), cfg)
    assert [link.kind for link in links] == ["text"]
    assert links[0].similarity == 1.0
    comps = components(keys, links)
    assert list(comps.values()) == [["s:1", "s:2"]]
    found = link_indicators(links, comps, keys, cfg)
    assert {i["code"] for i in found["s:1"]} == {"TRAF_TEMPLATE_TEXT"}
    assert "s:2" in found["s:1"][0]["reason"]


def test_shared_phone_different_names_and_age_inconsistency():
    cfg = default_config()
    other = "Zij is lief en rustig. Bel voor een afspraak in {city}, {name} ({age}) {phone} {price}"
    ads = [
        ad("s:1", "Anna", 17, "Utrecht", "+31612340009"),
        ad("s:2", "Anna", 19, "Zwolle", "+31612340009", body=other),
        ad("s:3", "Cleo", 30, "Delft", "+31612340009", body=other + " extra woorden hier"),
    ]
    keys = {a["id"]: ad_keys(a, cfg) for a in ads}
    links = find_links(list(keys.values()), count_values(keys.values()), cfg)
    phone = [link for link in links if link.kind == "phone"]
    assert phone and phone[0].ad_ids == ["s:1", "s:2", "s:3"] and phone[0].value == "+31612340009"
    found = link_indicators(links, components(keys, links), keys, cfg)
    codes = {ad_id: {i["code"] for i in items} for ad_id, items in found.items()}
    assert "TRAF_SHARED_CONTACT" in codes["s:3"]
    assert "MINOR_AGE_INCONSISTENT" in codes["s:1"] and "MINOR_AGE_INCONSISTENT" in codes["s:2"]
    assert "MINOR_AGE_INCONSISTENT" not in codes["s:3"]


def test_too_common_value_links_nothing():
    cfg = default_config()
    cap = cfg.too_common.phone
    ads = [
        ad(f"s:{i}", f"N{i}", 30, "Ede", "+31612349999", body=f"Uniek verhaal nummer {i} " + "woord " * i)
        for i in range(cap + 1)
    ]
    keys = [ad_keys(a, cfg) for a in ads]
    links = find_links(keys, count_values(keys), cfg)
    assert not [link for link in links if link.kind == "phone"]


def test_near_identical_photos_link_with_their_distance():
    cfg = default_config()
    a = ad("s:1", "Anna", 25, "Ede", "+31612340101", phash="ffd8000000000000", body="kort")
    b = ad("s:2", "Bea", 26, "Ede", "+31612340102", phash="ffd8000000000007", body="ook kort")
    keys = [ad_keys(x, cfg) for x in (a, b)]
    links = find_links(keys, count_values(keys), cfg)
    assert [(link.kind, link.distance) for link in links] == [("image_phash", 3)]


def at(ad_id: str, lat: float, lon: float) -> dict:
    """An ad whose only link key is the GPS position in its photo's EXIF (its text is too short to link)."""
    exif = {"present": True, "camera": "Lumora L5", "gps": {"lat": lat, "lon": lon}}
    return {
        "id": ad_id,
        "site": "prikbord",
        "title": ad_id,
        "body": "kort",
        "images": [{"sha256": ad_id, "exif": exif}],
    }


def metres_north(lat: float, metres: float) -> float:
    return lat + metres / 111_195.0


def test_photo_positions_within_the_distance_link_with_the_metres_as_reason():
    cfg = default_config()
    here = (52.09070, 5.12140)
    ads = [
        at("s:1", *here),
        at("s:2", metres_north(here[0], 30), here[1]),
        at("s:3", metres_north(here[0], 200), here[1]),
    ]
    keys = [ad_keys(a, cfg) for a in ads]
    links = find_links(keys, count_values(keys), cfg)
    assert [(link.kind, link.ad_ids, link.distance) for link in links] == [("photo_gps", ["s:1", "s:2"], 30)]
    assert links[0].reason.startswith("photos taken 30 m apart (EXIF GPS 52.090700,5.121400 / ")
    assert keys[0].photo_places == [place_key(gps_cell(here, cfg.gps.max_distance_m), cfg.gps.max_distance_m)]


def test_grid_cells_find_every_position_within_the_distance():
    """The pigeonhole of positions: a neighbour within max_distance_m is always in one of the 9 cells around."""
    rng = random.Random(5)
    d = default_config().gps.max_distance_m
    for _ in range(2000):
        a = (rng.uniform(35.0, 70.0), rng.uniform(-10.0, 30.0))
        b = (a[0] + rng.uniform(-d, d) / 111_195.0, a[1] + rng.uniform(-3 * d, 3 * d) / 111_195.0)
        own_b = place_key(gps_cell(b, d), d)
        assert (own_b in nearby_place_keys(a, d)) or distance_m(a, b) > d


def test_a_place_used_by_too_many_ads_links_nothing():
    cfg = default_config()
    ads = [at(f"s:{i:03d}", 52.0, 5.0 + i * 1e-6) for i in range(cfg.too_common.gps + 1)]
    keys = [ad_keys(a, cfg) for a in ads]
    assert not [link for link in find_links(keys, count_values(keys), cfg) if link.kind == "photo_gps"]
    few = keys[:3]
    assert len([link for link in find_links(few, count_values(few), cfg) if link.kind == "photo_gps"]) == 3


def test_cluster_id_is_stable_and_follows_the_smallest_member():
    first = components(["b", "c"], [])
    merged = components(["a", "b", "c"], find_links([], {}, default_config()))
    assert set(first) != set(merged)
    from linking.graph import Link

    one = components(["c", "b", "a"], [Link("phone", ["a", "b", "c"], value="x")])
    two = components(["a", "b", "c"], [Link("phone", ["c", "a", "b"], value="x")])
    assert one == two and list(one.values()) == [["a", "b", "c"]]


def test_bad_config_is_one_line_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("text: {bands: 64, rows: 8}\nindicators: {}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "\n" not in str(exc.value) and "exceeds num_perm" in str(exc.value)
