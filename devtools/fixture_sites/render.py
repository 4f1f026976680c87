"""Write one synthetic ad (title and body) from its plan, and record exactly what the text expresses.

The plan (who, where, which indicators, which contacts) is drawn first by the generator; this module only
chooses words. Keeping the two apart is what makes ground truth exact (every truth value is written by the
same code that writes the text) and makes epoch-2 edits cheap: re-writing a changed plan with the same
random streams changes only the edited parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from random import Random
from typing import Any

from devtools.fixture_sites.contacts import Phone, render_email, render_handle, render_phone, whatsapp_label
from devtools.fixture_sites.data import load, phrases
from devtools.fixture_sites.numwords import number_words

# Indicators whose phrase can also stand in the title.
TITLE_CODES = ("TRAF_MOVEMENT", "TRAF_AVAILABILITY_24_7", "MINOR_YOUTH_TERMS", "TRAF_LOW_PRICE", "TRAF_HOTEL")
# Indicators written as free phrases in the body (others are expressed through intro, price, contact, age).
PHRASE_CODES = (
    "MINOR_YOUTH_TERMS",
    "MINOR_SCHOOL_REFERENCE",
    "TRAF_MOVEMENT",
    "TRAF_HOTEL",
    "TRAF_RESTRICTED",
    "TRAF_CASH_GIFTS",
    "TRAF_NEW_ARRIVALS",
    "TRAF_UNPROTECTED",
)
SEPARATORS = (". ", " - ", " | ", "! ", ", ", " • ", " ~ ")


@dataclass(slots=True)
class Person:
    """The advertised person: display name, presentation (f/m) and claimed age (None = not stated)."""

    name: str
    gender: str
    age: int | None


@dataclass(slots=True)
class AdPlan:
    """Everything decided about an ad before it is written; edits change the plan, then re-write it."""

    language: str
    person: Person
    city: dict[str, Any]
    city_display: str
    codes: set[str]
    price: int | None
    hours: tuple[int, int]
    phone: Phone | None
    email: tuple[str, str] | None
    handles: list[tuple[str, str]]
    second: Person | None = None
    postcode: str | None = None
    edit_note: str | None = None
    text_seed: int = 0
    local_seed: int = 0
    template: bool = False


@dataclass(slots=True)
class Written:
    """The ad text plus the ground truth its text expresses."""

    title: str
    body: str
    codes: list[str]
    entities: dict[str, Any] = field(default_factory=dict)


def pick(rng: Random, options: Any, gender: str = "f") -> Any:
    """One option from a list, or from the gender's list when the section is ``{f: [...], m: [...]}``.

    Always consumes exactly one random number, so template ads keep their random streams aligned.
    """
    if isinstance(options, dict):
        options = options.get(gender) or options["f"]
    return options[int(rng.random() * len(options))]


def _age_text(age: int, language: str, rng: Random) -> str:
    form = pick(rng, phrases(language)["age_forms"])
    return form.format(n=age, w=number_words(age, language, rng))


def _time_text(hour: int, language: str, rng: Random) -> str:
    form = pick(rng, phrases(language)["times"])
    return form.format(h=hour, h12=hour - 12 if hour > 12 else hour)


def write_ad(plan: AdPlan) -> Written:
    """Write title and body for ``plan``; the returned codes and entities describe exactly that text."""
    bank = phrases(plan.language)
    rules = load("model")["ads"]
    lang = plan.language
    t = Random(plan.text_seed)  # shared by all ads of one template advertiser
    loc = Random(plan.local_seed)  # this ad only
    person = plan.person
    g = person.gender
    codes = set(plan.codes)
    city_text = plan.city_display
    city_form = pick(t, bank["city_forms"])
    if "{postcode}" in city_form and not plan.postcode:
        city_form = "{city}"
    city_expr = city_form.format(city=city_text, postcode=plan.postcode)
    ages = [person.age] if person.age is not None else []
    names = [person.name]
    slots = {"name": person.name, "city": city_text, "p": plan.price or 0}

    # Intro: first person, or someone else writing (TRAF_THIRD_PERSON).
    third = "TRAF_THIRD_PERSON" in codes
    key = "intro_third" if third else "intro_self"
    if person.age is None:
        key += "_noage"
    intro = pick(t, bank[key], g).format(
        name=person.name, city=city_expr, age=_age_text(person.age, lang, loc) if person.age is not None else ""
    )
    lines: list[str] = [intro]
    middle: list[str] = []
    if third and t.random() < 0.4:
        middle.append(pick(t, bank["indicators"]["TRAF_THIRD_PERSON"]))
    if "TRAF_MULTIPLE_PERSONS" in codes:
        # Draw both wordings so ads of one template stay aligned whether or not they name a second person.
        second_line = pick(t, bank["second_person"])
        multi_line = _phrase(t, bank, "TRAF_MULTIPLE_PERSONS", g, slots, rules)
        if plan.second is not None:
            second = plan.second
            names.append(second.name)
            if "{age2}" in second_line:
                ages.append(second.age)
            middle.append(second_line.format(name=person.name, name2=second.name, age2=second.age))
        else:
            middle.append(multi_line)
    if t.random() < rules["p_description"]:
        desc = pick(t, bank["description"], g).format(city=city_text)
        if loc.random() < rules["p_typo"]:
            desc = _typo(desc, bank, loc)
        middle.append(desc)
    if "TRAF_AVAILABILITY_24_7" in codes:
        middle.append(_phrase(t, bank, "TRAF_AVAILABILITY_24_7", g, slots, rules))
    elif t.random() < rules["p_availability"]:
        start, end = plan.hours
        middle.append(
            pick(t, bank["availability"]).format(
                days=pick(t, bank["days"]), start=_time_text(start, lang, t), end=_time_text(end, lang, t)
            )
        )
    price_line = pick(t, bank["price"])
    if plan.price is not None:
        middle.append(price_line.format(p=plan.price))
    if "TRAF_LANGUAGE_BARRIER" in codes:
        middle.append(_phrase(t, bank, "TRAF_LANGUAGE_BARRIER", g, slots, rules))
    elif t.random() < rules["p_languages"]:
        known = bank["languages_known"]
        first = 0 if t.random() < 0.8 else 1
        langs = [known[first], known[1 - first]] + ([pick(t, known[2:])] if t.random() < 0.4 else [])
        middle.append(pick(t, bank["languages"]).format(langs=pick(t, bank["languages_joiner"]).join(langs)))

    # Free indicator phrases; minor ones are per ad even inside a template.
    phrase_bits: list[str] = []
    for code in PHRASE_CODES:
        if code in codes:
            rng = loc if code.startswith("MINOR") else t
            phrase_bits.append(_phrase(rng, bank, code, g, slots, rules))
    if "TRAF_LOW_PRICE" in codes and t.random() < 0.7:
        phrase_bits.append(_phrase(t, bank, "TRAF_LOW_PRICE", g, slots, rules))
    t.shuffle(phrase_bits)
    while phrase_bits:
        take = min(len(phrase_bits), 1 + int(t.random() * 3))
        chunk, phrase_bits = phrase_bits[:take], phrase_bits[take:]
        middle.append(pick(t, SEPARATORS).join(chunk))

    for age in ages:
        if age < 18:
            codes.add("MINOR_STATED_AGE")
        elif age < 20:
            codes.add("MINOR_BORDERLINE_AGE")
    negations = _negations(t, bank, codes, slots, rules)
    middle.extend(negations)
    t.shuffle(middle)
    lines.extend(middle)
    lines.extend(_contact_lines(plan, bank, t, loc, codes))
    if "MINOR_CODE_EMOJI" in codes:
        lines[int(loc.random() * len(lines))] += " " + "".join(
            loc.sample(bank["emoji_code"], 1 + int(loc.random() * 2))
        )
    if loc.random() < rules["p_benign_emoji"]:
        lines[0] += " " + pick(loc, bank["emoji_benign"])
    if plan.template:
        lines = [_swap_synonym(line, bank, loc) if loc.random() < 0.25 else line for line in lines]
    if plan.edit_note:
        lines.append(plan.edit_note)

    title = _title(plan, bank, t, loc, codes, slots, rules)
    if plan.price is not None and plan.price < rules["price"]["low_threshold"]:
        codes.add("TRAF_LOW_PRICE")
    entities = {
        "phones": [plan.phone.e164] if plan.phone else [],
        "emails": [f"{plan.email[0]}@{plan.email[1]}".lower()] if plan.email else [],
        "handles": [{"platform": platform, "handle": handle} for platform, handle in plan.handles],
        "ages": ages,
        "locations": [plan.city["canonical"]],
        "prices": [{"amount": plan.price, "currency": "EUR", "per": "hour"}] if plan.price is not None else [],
        "names": names,
    }
    return Written(title=title, body="\n".join(lines), codes=sorted(codes), entities=entities)


def _phrase(rng: Random, bank: dict[str, Any], code: str, gender: str, slots: dict[str, Any], rules: dict) -> str:
    text = pick(rng, bank["indicators"][code], gender).format(**slots)
    if rng.random() < rules["p_shout"]:
        text = text.upper()
    return text


def _negations(t: Random, bank: dict[str, Any], codes: set[str], slots: dict, rules: dict) -> list[str]:
    """Disclaimers and negations on topics the ad does NOT express (they must not fire as indicators)."""
    out: list[str] = []
    chance = rules["p_negation"]
    while t.random() < chance and len(out) < 2:
        topics = [k for k in bank["negations"] if k not in codes and not (k == "MINOR" and "MINOR_STATED_AGE" in codes)]
        text = pick(t, bank["negations"][pick(t, topics)]).format(**slots)
        if text not in out:
            out.append(text)
        chance /= 2
    return out


def _contact_lines(plan: AdPlan, bank: dict[str, Any], t: Random, loc: Random, codes: set[str]) -> list[str]:
    """Contact lines; with TRAF_OBFUSCATED_CONTACT the phone (or else the e-mail) is written to evade filters."""
    obfuscate = "TRAF_OBFUSCATED_CONTACT" in codes
    lines = []
    if plan.phone is not None:
        phone = render_phone(plan.phone, plan.language, loc, obfuscated=obfuscate)
        lines.append(pick(t, bank["contact_phone"]).format(phone=phone, wa=whatsapp_label(t)))
    if plan.email is not None:
        hide = obfuscate and plan.phone is None
        email = render_email(plan.email[0], plan.email[1], plan.language, loc, obfuscated=hide)
        lines.append(pick(t, bank["contact_email"]).format(email=email))
    for platform, handle in plan.handles:
        lines.append(pick(t, bank["contact_handle"]).format(handle=render_handle(platform, handle, loc)))
    return lines


def _title(plan: AdPlan, bank: dict, t: Random, loc: Random, codes: set[str], slots: dict, rules: dict) -> str:
    person = plan.person
    if person.age is not None and t.random() < rules["p_title_age"]:
        title = pick(t, bank["title"]["with_age"]).format(name=person.name, age_num=person.age, city=plan.city_display)
    else:
        title = pick(t, bank["title"]["no_age"]).format(name=person.name, city=plan.city_display)
    in_title = [c for c in TITLE_CODES if c in codes]
    if in_title and t.random() < 0.3:
        code = pick(t, in_title)
        rng = loc if code.startswith("MINOR") else t
        title = f"{_phrase(rng, bank, code, person.gender, slots, rules)} - {title}"
    return title


def _typo(text: str, bank: dict[str, Any], rng: Random) -> str:
    for word, typos in bank["typos"].items():
        if word in text:
            return text.replace(word, pick(rng, typos), 1)
    return text


def _swap_synonym(line: str, bank: dict[str, Any], rng: Random) -> str:
    """A small word change (template ads, edits): replace one word by a synonym from the bank."""
    for group in bank["synonyms"]:
        for word in group:
            pattern = re.compile(rf"\b{re.escape(word)}\b")
            if pattern.search(line):
                others = [w for w in group if w != word]
                return pattern.sub(pick(rng, others), line, count=1)
    return line
