"""Ground truth agrees with the text: every truth value can be found back in its ad."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path

import phonenumbers
import yaml

from devtools.fixture_sites.data import DATA_DIR, load
from tests.devtools.fixture_sites.helpers import email_in_text, phone_in_text

TAXONOMY_AD_LEVEL = {
    "MINOR_STATED_AGE",
    "MINOR_BORDERLINE_AGE",
    "MINOR_YOUTH_TERMS",
    "MINOR_SCHOOL_REFERENCE",
    "MINOR_CODE_EMOJI",
    "TRAF_THIRD_PERSON",
    "TRAF_MULTIPLE_PERSONS",
    "TRAF_MOVEMENT",
    "TRAF_HOTEL",
    "TRAF_AVAILABILITY_24_7",
    "TRAF_LANGUAGE_BARRIER",
    "TRAF_RESTRICTED",
    "TRAF_LOW_PRICE",
    "TRAF_CASH_GIFTS",
    "TRAF_NEW_ARRIVALS",
    "TRAF_UNPROTECTED",
    "TRAF_OBFUSCATED_CONTACT",
}
PLATFORMS = {"snapchat", "telegram", "instagram", "onlyfans", "kik"}
LINK_LEVEL = {"MINOR_AGE_INCONSISTENT", "TRAF_SHARED_CONTACT", "TRAF_TEMPLATE_TEXT"}


def _text(ad):
    return ad["title"] + "\n" + ad["body"]


def test_every_truth_phone_is_valid_e164_and_written_in_its_ad(corpus):
    seen_countries = set()
    for ad, truth in zip(corpus.ads, corpus.truth, strict=True):
        for phone in truth["entities"]["phones"]:
            parsed = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(parsed), phone
            assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone
            seen_countries.add(phonenumbers.region_code_for_number(parsed))
            assert phone_in_text(phone, ad["body"]), (phone, ad["body"])
    assert {"NL", "BE", "DE"} <= seen_countries


def test_dutch_numbers_come_from_the_fictional_block(corpus):
    for truth in corpus.truth:
        for phone in truth["entities"]["phones"]:
            if phone.startswith("+316"):
                assert phone.startswith("+3161234"), phone


def test_emails_handles_names_ages_prices_locations_appear(corpus):
    cities = {c["canonical"] for c in load("places")["cities"]}
    for ad, truth in zip(corpus.ads, corpus.truth, strict=True):
        ent, text = truth["entities"], _text(ad)
        for email in ent["emails"]:
            assert email == email.lower() and email_in_text(email, text), (email, text)
        for handle in ent["handles"]:
            assert handle["handle"] in text and handle["platform"] in PLATFORMS
        for name in ent["names"]:
            assert re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE), (name, text)
        for price in ent["prices"]:
            assert price["currency"] == "EUR" and price["per"] == "hour"
            assert re.search(rf"(?<!\d){price['amount']}(?!\d)", text)
        assert ent["locations"] and set(ent["locations"]) <= cities
        for age in ent["ages"]:
            assert 15 <= age <= 49
        assert truth["language"] in {"nl", "en"}


def test_numbers_in_words_obfuscation_and_aliases_occur(corpus):
    bodies = "\n".join(ad["body"] for ad in corpus.ads)
    assert "\ufe0f\u20e3" in bodies  # keycap digits
    assert re.search(r"\b(nul zes|zero six|oh six)\b", bodies)
    assert re.search(r"\[at\]|\(at\)", bodies)
    assert re.search(r"\b(negentien|zeventien|twintig|twenty|nineteen|eighteen|achttien)", bodies, re.IGNORECASE)
    assert re.search(r"\b\d{4} [A-Z]{2}\b", bodies)  # postcodes, which are not ages
    assert re.search(r"\b(tot|until|till) \d{1,2}[:.]\d\d", bodies)  # times, which are not ages
    assert {"Den Haag", "The Hague"} & {ad["city"] for ad in corpus.ads}
    assert "'s-Gravenhage" in {t["entities"]["locations"][0] for t in corpus.truth}


def test_indicator_codes_are_taxonomy_codes_and_age_codes_match_ages(corpus):
    for truth in corpus.truth:
        codes = set(truth["indicator_codes"])
        assert codes <= TAXONOMY_AD_LEVEL and set(truth["link_codes"]) <= LINK_LEVEL
        ages = truth["entities"]["ages"]
        assert ("MINOR_STATED_AGE" in codes) == any(a < 18 for a in ages)
        assert ("MINOR_BORDERLINE_AGE" in codes) == any(18 <= a <= 19 for a in ages)
        low = [p["amount"] for p in truth["entities"]["prices"] if p["amount"] < 60]
        if low:
            assert "TRAF_LOW_PRICE" in codes
        if truth["labels"]["minor"]:
            assert "TRAF_UNPROTECTED" not in codes
    minors = [t for t in corpus.truth if "MINOR_STATED_AGE" in t["indicator_codes"]]
    assert minors and all(t["labels"]["minor"] for t in minors)


def test_negations_and_disclaimers_are_common_and_never_coded(corpus):
    bodies = [ad["body"].lower() for ad in corpus.ads]
    with_disclaimer = [
        t
        for t, body in zip(corpus.truth, bodies, strict=True)
        if "geen hotels" in body or "no hotels" in body or "niet 24/7" in body or "not 24/7" in body
    ]
    assert with_disclaimer
    for truth in with_disclaimer:
        assert "TRAF_HOTEL" not in truth["indicator_codes"] or "TRAF_AVAILABILITY_24_7" not in truth["indicator_codes"]
    assert sum("18+" in b for b in bodies) >= 10


def _link_keys(corpus, ads, truth):
    """What an ad could be linked by: contacts, photo bases (before alteration), and its words."""
    ent = truth["entities"]
    keys = {("phone", p) for p in ent["phones"]} | {("email", e) for e in ent["emails"]}
    keys |= {("handle", h["handle"]) for h in ent["handles"]}
    keys |= {("photo", corpus.photos[p].base) for p in truth["photos"]}
    return keys, set(re.findall(r"\w+", ads[truth["id"]]["body"].lower()))


def test_advertiser_groups_really_share_something(corpus):
    groups = defaultdict(list)
    for truth in corpus.truth:
        groups[truth["advertiser_id"]].append(truth)
    multi = [g for g in groups.values() if len(g) > 1]
    assert len(multi) >= 15
    assert sum(len(g) == 1 for g in groups.values()) > len(multi)  # most advertisers are single-ad
    ads = {ad["id"]: ad for ad in corpus.ads}
    kinds = defaultdict(int)
    for group in multi:
        for t in group:
            own, words = _link_keys(corpus, ads, t)
            others = [_link_keys(corpus, ads, o) for o in group if o is not t]
            shared = {k[0] for o, _ in others for k in own & o}
            similar = any(len(words & w) / max(1, len(words | w)) > 0.6 for _, w in others)
            assert shared or similar, t["id"]
            for kind in shared:
                kinds[kind] += 1
            kinds["template"] += similar
        assert len({(t["entities"]["names"][0], t["entities"]["locations"][0]) for t in group}) > 1 or len(group) == 1
    assert {"phone", "photo", "handle", "template"} <= {k for k, n in kinds.items() if n}
    sites_per_group = [len({t["id"].split(":")[0] for t in g}) for g in multi]
    assert 2 in sites_per_group  # some advertisers post on both sites


def test_link_codes_follow_from_shared_contacts_and_templates(corpus):
    codes = defaultdict(int)
    for truth in corpus.truth:
        for code in truth["link_codes"]:
            codes[code] += 1
    assert codes["TRAF_SHARED_CONTACT"] > 0 and codes["TRAF_TEMPLATE_TEXT"] > 0
    singles = defaultdict(int)
    for truth in corpus.truth:
        singles[truth["advertiser_id"]] += 1
    for truth in corpus.truth:
        if singles[truth["advertiser_id"]] == 1:
            assert truth["link_codes"] == []


def test_no_forbidden_word_appears_anywhere():
    digests = set(yaml.safe_load((Path(__file__).with_name("forbidden_words.yaml")).read_text())["sha256"])

    def forbidden(text: str) -> set[str]:
        words = {w.lower() for w in re.findall(r"\w+", text)}
        return {w for w in words if hashlib.sha256(w.encode()).hexdigest() in digests}

    from devtools.fixture_sites import generate

    for epoch in (1, 2):
        for ad in generate(seed=13, n_ads=1500, epoch=epoch).ads:
            assert not forbidden(ad["title"] + " " + ad["body"]), ad
    for name in ("phrases_nl", "phrases_en"):
        assert not forbidden((DATA_DIR / f"{name}.yaml").read_text()), name
