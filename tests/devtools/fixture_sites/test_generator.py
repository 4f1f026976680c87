"""The generator: deterministic, right shape and rates, stable ids across epochs."""

from __future__ import annotations

import re

import orjson
import pytest

from devtools.fixture_sites import generate

AD_FIELDS = {"id", "site", "url", "title", "body", "posted_at", "images", "site_ad_id", "city"}


def _dump(corpus) -> bytes:
    return b"".join(orjson.dumps(row) for row in [*corpus.ads, *corpus.truth])


def test_same_seed_gives_identical_output_and_another_seed_does_not():
    first, second = generate(seed=3, n_ads=200), generate(seed=3, n_ads=200)
    assert _dump(first) == _dump(second)
    assert first.photos == second.photos
    other = generate(seed=4, n_ads=200)
    assert [a["body"] for a in other.ads] != [a["body"] for a in first.ads]


def test_ads_have_the_input_format_and_stable_ids(corpus):
    assert len(corpus) == 600
    ids = [ad["id"] for ad in corpus.ads]
    assert len(set(ids)) == len(ids)
    for ad in corpus.ads:
        assert set(ad) == AD_FIELDS
        assert ad["id"] == f"{ad['site']}:{ad['site_ad_id']}"
        assert re.fullmatch(r"[pv]\d{5}", ad["site_ad_id"]) and ad["site_ad_id"][0] == ad["site"][0]
        assert ad["url"].endswith(f"/ad/{ad['site_ad_id']}") and ad["url"].startswith("http://127.0.0.1:")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ad["posted_at"])
        assert ad["images"] and all(
            re.search(r"/(img|media)/[0-9a-f]{16}\.(jpg|webp|png)$", url) for url in ad["images"]
        )
        assert ad["title"].strip() and ad["body"].strip() and ad["city"]
        assert not re.search(r"[{}]|\bNone\b", ad["title"] + ad["body"]), ad  # every placeholder filled
    # Half of the ads on each site, numbered from 1 without gaps.
    for site, prefix in (("prikbord", "p"), ("vitrine", "v")):
        own = corpus.site_ads(site)
        assert 0.4 < len(own) / len(corpus) < 0.6
        assert [ad["site_ad_id"] for ad in own] == [f"{prefix}{i:05d}" for i in range(1, len(own) + 1)]


def test_label_and_language_rates_are_near_the_targets():
    corpus = generate(seed=11, n_ads=4000)
    n = len(corpus)
    minor = sum(t["labels"]["minor"] for t in corpus.truth) / n
    traf = sum(t["labels"]["trafficking"] for t in corpus.truth) / n
    dutch = sum(t["language"] == "nl" for t in corpus.truth) / n
    assert 0.05 < minor < 0.11, minor
    assert 0.15 < traf < 0.26, traf
    assert 0.58 < dutch < 0.72, dutch


def test_indicators_depend_on_labels_but_not_perfectly(corpus):
    """Labelled ads carry their category's indicators far more often; some labelled ads carry none."""
    big = generate(seed=5, n_ads=3000)

    def share(rows, prefix):
        return sum(any(c.startswith(prefix) for c in t["indicator_codes"]) for t in rows) / len(rows)

    traf = [t for t in big.truth if t["labels"]["trafficking"]]
    benign = [t for t in big.truth if not t["labels"]["trafficking"] and not t["labels"]["minor"]]
    minor = [t for t in big.truth if t["labels"]["minor"]]
    assert share(traf, "TRAF_") > 0.85 and share(benign, "TRAF_") < 0.5
    assert share(minor, "MINOR_") > 0.75 and share(benign, "MINOR_") < 0.25
    assert share(traf, "TRAF_") < 1.0 and share(minor, "MINOR_") < 1.0
    # Borderline ages and touring also show up in benign ads (weak flags).
    benign_codes = {c for t in benign for c in t["indicator_codes"]}
    assert {"MINOR_BORDERLINE_AGE", "TRAF_MOVEMENT"} <= benign_codes
    assert "MINOR_STATED_AGE" not in benign_codes


def test_epoch_2_edits_about_5_percent_and_adds_a_few_ads(corpus, corpus_epoch2):
    before = {ad["id"]: ad for ad in corpus.ads}
    after = {ad["id"]: ad for ad in corpus_epoch2.ads}
    truth2 = {t["id"]: t for t in corpus_epoch2.truth}
    assert set(before) < set(after)
    new = set(after) - set(before)
    assert 1 <= len(new) <= 30
    edited = {i for i, t in truth2.items() if t["edited"]}
    assert 0.02 < len(edited) / len(before) < 0.09
    assert edited <= set(before)
    for ad_id, ad in before.items():
        changed = (ad["title"], ad["body"]) != (after[ad_id]["title"], after[ad_id]["body"])
        assert changed == (ad_id in edited), ad_id
        assert after[ad_id]["posted_at"] == ad["posted_at"] and after[ad_id]["images"] == ad["images"]
    assert not any(t["edited"] for t in corpus.truth)
    # New ads are posted after every old one and continue each site's numbering.
    assert min(after[i]["posted_at"] for i in new) > max(ad["posted_at"] for ad in before.values())


def test_base_urls_only_change_urls():
    a = generate(seed=2, n_ads=50)
    b = generate(seed=2, n_ads=50, base_urls={"prikbord": "http://127.0.0.1:1234", "vitrine": "http://127.0.0.1:1235"})
    for x, y in zip(a.ads, b.ads, strict=True):
        assert (x["title"], x["body"]) == (y["title"], y["body"])
    assert b.ads[0]["url"].startswith(("http://127.0.0.1:1234/ad/", "http://127.0.0.1:1235/ad/"))


@pytest.mark.parametrize("bad", [{"n_ads": 0}, {"epoch": 0}])
def test_bad_arguments_are_refused(bad):
    with pytest.raises(ValueError):
        generate(**bad)
