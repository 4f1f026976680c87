"""spaCy components of the Signaal pipelines, registered as versioned factories.

Each factory ``make_x(nlp, name, lexicons)`` builds a component from the lexicon
files of the listed languages; the component classes only take arguments (the
spaCy ``factories.py`` habit). Components share one state object,
``doc._.signaal`` (an :class:`~nlp.state.AdState`), created by the normalizer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import product
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from nlp import lexicon
from nlp.extract import Found, SpanSet, overlaps
from nlp.extract._phrases import alternation, first_chars
from nlp.extract._regex import LiteralGate, compile_fast, rare_first_chars, required_literals
from nlp.extract.ages import AgeRules, find_ages
from nlp.extract.emails import EmailRules, find_emails
from nlp.extract.genders import GenderCues, NameGenders
from nlp.extract.genders import decide as decide_genders
from nlp.extract.handles import HandleRules, find_handles
from nlp.extract.phones import PhoneRules, find_phones
from nlp.extract.prices import PriceRules, find_prices
from nlp.extract.wordrules import Rule, WordRules, compile_rule, words_of
from nlp.gazetteer import load_gazetteer
from nlp.normalize import NumberWords, SubstitutionKeys, Views
from nlp.state import AdState
from signaal.text import fold

if not Doc.has_extension("signaal"):
    Doc.set_extension("signaal", default=None)

_LANGS_CFG = {"lexicons": ["nl", "en"]}
#: ``doc.user_data`` key for the text a Doc was made from (set by :func:`make_doc`).
SOURCE_KEY = "signaal_source"


def make_doc(nlp: Language, text: str) -> Doc:
    """Tokenise ``text`` and remember it, so the normalizer need not rebuild ``doc.text``."""
    doc = nlp.make_doc(text)
    doc.user_data[SOURCE_KEY] = text
    return doc


_REPEATED_CONSONANT = re.compile(r"([b-df-hj-np-tv-z])\1+")
_TRIPLED_VOWEL = re.compile(r"([aeiouy])\1{2,}")


def squeeze(text: str) -> str:
    """Collapse repeated letters: a consonant run to one, three or more equal vowels to two
    ("jongge", "hotell", "schoool" -> "jonge", "hotel", "school").

    Applied to token norms *and* to lexicon terms, so doubled or tripled letters (a common
    typo and a common filter-evasion trick) never stop a match. Doubled vowels stay: in Dutch
    and English they tell words apart ("teen"/"ten", "koopje"/"kopje").
    """
    return _TRIPLED_VOWEL.sub(r"\1\1", _REPEATED_CONSONANT.sub(r"\1", text))


def fold_token(text: str) -> str:
    """Case-, accent- and repeated-letter-insensitive form of a token (used as its NORM)."""
    return squeeze(fold(text))


def set_norms(doc: Doc, done: set[int] | None = None) -> Doc:
    """Give every word a folded NORM, set once per vocabulary entry (lexeme), not per token.

    Token-level norms from tokenizer exceptions ("'m" -> "am") still win, exactly
    as in spaCy. ``done``: the lexemes (ORTH ids) of this doc's vocabulary already folded, kept by
    the caller that owns the vocabulary (the normalizer of a pipeline), so a lexeme is folded the
    first time any document contains it; without it every lexeme of the doc is folded (folding is
    idempotent). The set belongs to the pipeline, not to ``id(vocab)``: a rebuilt pipeline's new
    vocabulary can get the id of a collected one, and would then skip folding its lexemes.
    """
    vocab = doc.vocab
    orths = set(doc.to_array("ORTH").tolist())
    for orth in orths if done is None else orths - done:
        lex = vocab[orth]
        text = lex.orth_
        norm = squeeze(lex.norm_) if text.isascii() else fold_token(text)
        if norm != lex.norm_:
            lex.norm_ = norm
    if done is not None:
        done |= orths
    return doc


def fold_pattern(pattern: Any) -> Any:
    """A Matcher pattern with its NORM values folded like token norms."""
    if isinstance(pattern, list):
        return [fold_pattern(p) for p in pattern]
    if not isinstance(pattern, dict):
        return pattern
    out = {}
    for key, value in pattern.items():
        if key == "NORM":
            if isinstance(value, str):
                value = fold_token(value)
            elif isinstance(value, dict):
                value = {
                    op: (
                        [fold_token(str(v)) for v in vals]
                        if isinstance(vals, list)
                        else squeeze(vals)
                        if op == "REGEX"
                        else vals
                    )
                    for op, vals in value.items()
                }
        out[key] = value
    return out


#: Where spaCy keeps ``doc._.signaal`` (``doc.user_data``); read directly, a dict lookup instead of
#: building an ``Underscore`` object on every access (six components read it per document).
_STATE_KEY = ("._.", "signaal", None, None)


def _state(doc: Doc) -> AdState:
    state = doc.user_data.get(_STATE_KEY)
    if state is None:
        raise ValueError("signaal_normalize_v1 must run before the other signaal components")
    return state


class Normalizer:
    """Folds token norms and creates the offset-mapped views every extractor reads."""

    def __init__(self, numbers: NumberWords, keys: SubstitutionKeys | None = None) -> None:
        self.numbers, self.keys = numbers, keys
        self.folded: set[int] = set()  # lexemes of this pipeline's vocabulary whose NORM is folded

    def __call__(self, doc: Doc) -> Doc:
        set_norms(doc, self.folded)
        # ``doc.text`` re-joins every token; the analyzer hands over the text it tokenised instead.
        text = doc.user_data.get(SOURCE_KEY)
        doc._.signaal = AdState(views=Views(text if isinstance(text, str) else doc.text, self.numbers, self.keys))
        return doc


@Language.factory("signaal_normalize_v1", default_config=_LANGS_CFG, assigns=["token.norm", "doc._.signaal"])
def make_normalizer(nlp: Language, name: str, lexicons: list[str]) -> Normalizer:
    return Normalizer(NumberWords.from_lexicon(tuple(lexicons)), SubstitutionKeys.from_lexicon(tuple(lexicons)))


class Contacts:
    """Phones, e-mails and handles (handles last: they must not re-read phone digits)."""

    def __init__(self, phones: PhoneRules, emails: EmailRules, handles: HandleRules) -> None:
        self.phones, self.emails, self.handles = phones, emails, handles

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc)
        state.phones = find_phones(state.views.full, self.phones)
        state.emails = find_emails(state.views.chars, self.emails)
        taken = SpanSet((f.start, f.end) for f in (*state.phones, *state.emails))
        state.handles = find_handles(state.views.chars, self.handles, taken)
        return doc


@Language.factory(
    "signaal_contacts_v1", default_config=_LANGS_CFG, requires=["doc._.signaal"], assigns=["doc._.signaal"]
)
def make_contacts(nlp: Language, name: str, lexicons: list[str]) -> Contacts:
    lex = lexicon.load("contacts", lexicons)
    numbers = NumberWords.from_lexicon(tuple(lexicons))
    # A number word after "WhatsApp:" starts a written-out phone number, not a handle.
    handles = {**lex.get("handles", {})}
    handles["not_handles"] = [*handles.get("not_handles", []), *numbers.values]
    return Contacts(
        PhoneRules.from_lexicon(lex),
        EmailRules.from_lexicon(lex),
        HandleRules.from_lexicon({**lex, "handles": handles}),
    )


class Ages:
    def __init__(self, rules: AgeRules) -> None:
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc)
        state.ages = find_ages(state.views.full, self.rules, state.contact_spans())
        return doc


@Language.factory("signaal_ages_v1", default_config=_LANGS_CFG, requires=["doc._.signaal"], assigns=["doc._.signaal"])
def make_ages(nlp: Language, name: str, lexicons: list[str]) -> Ages:
    return Ages(AgeRules.from_lexicon(lexicon.load("ages", lexicons)))


class Prices:
    def __init__(self, rules: PriceRules) -> None:
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc)
        taken = state.contact_spans()
        for age in state.ages:
            taken.add(age.start, age.end)
        state.prices = find_prices(state.views.full, self.rules, taken)
        return doc


@Language.factory("signaal_prices_v1", default_config=_LANGS_CFG, requires=["doc._.signaal"], assigns=["doc._.signaal"])
def make_prices(nlp: Language, name: str, lexicons: list[str]) -> Prices:
    return Prices(PriceRules.from_lexicon(lexicon.load("prices", lexicons)))


def _phrase_docs(nlp: Language, phrases: Iterable[str]) -> list[Doc]:
    return [set_norms(nlp.make_doc(str(p))) for p in phrases if str(p).strip()]


class Locations:
    """Dutch municipalities (and their seats and aliases) from the packaged gazetteer.

    A place counts when written with a capital, or in lower case unless that spelling is an
    everyday word ("leiden", to lead); names that are words or first names in any case ("Best",
    "Goes", "Adam") need a location cue before them. Places joined to a district or a second
    place by a hyphen or a slash count too ("Rotterdam-Charlois", "Groningen/Drenthe").
    """

    def __init__(
        self,
        matcher: PhraseMatcher,
        places: dict[int, Found],
        ambiguous: frozenset[str],
        cues: frozenset[str],
        lowercase_words: frozenset[str] = frozenset(),
        by_form: dict[str, Found] | None = None,
        number_is_cue: bool = False,
        joins: frozenset[str] = frozenset(),
    ) -> None:
        self.matcher, self.places, self.ambiguous, self.cues = matcher, places, ambiguous, cues
        self.lowercase_words, self.number_is_cue, self.joins = lowercase_words, number_is_cue, joins
        self.by_form = by_form or {}  # lower-cased form -> place, for the parts of joined words

    def _cue(self, doc: Doc, i: int, places_end: set[int]) -> str:
        """What stands before token ``i``: "word" (a location cue), "number" (an age), or ""."""
        k = i - 1
        while k >= 0 and i - k <= 3 and not any(c.isalnum() for c in doc[k].text):
            if doc[k].lower_ in self.cues or (doc[k].text in self.joins and k - 1 in places_end):
                return "word"  # "-", "|", "📍", "Middelburg, Goes"
            k -= 1  # punctuation and emoji between ("17 🐣 Hoorn", "– 40 – Kampen")
        if k < 0:
            return ""
        token = doc[k]
        if token.lower_ in self.cues:
            return "word"
        if token.lower_ in self.joins and k - 1 in places_end:
            return "word"  # "Zwolle and Kampen"
        return "number" if self.number_is_cue and (token.like_num or token.text[:1].isdigit()) else ""

    def _accepts(self, text: str, cue: str, names: set[str]) -> bool:
        """Whether ``text`` (a place's form as written) counts after ``cue`` (see :meth:`_cue`)."""
        low = text.lower()
        if low in names and low in self.ambiguous:
            return False  # "Mijn naam is Adam"
        if not (text[0].isupper() or text[0] in "'’" or text.isupper()):
            if low not in self.by_form:
                return False  # a lower-case word matched only through folding ("soon" -> "son")
            if low in self.lowercase_words:
                return cue == "word"  # "leiden" (to lead) is not Leiden, but "uit leiden" is
        return low not in self.ambiguous or bool(cue)

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc)
        taken = state.contact_spans()
        keys = {(s, e): match_id for match_id, s, e in self.matcher(doc)}
        names = {n.value.lower() for n in state.names}
        spans = filter_spans([doc[s:e] for s, e in keys])
        matched = {i for span in spans for i in range(span.start, span.end)}
        places_end: set[int] = set()  # last token of each accepted place
        for span in spans:
            cue = self._cue(doc, span.start, places_end)
            if not self._accepts(span.text, cue, names) or overlaps(span.start_char, span.end_char, taken):
                continue
            place = self.places[keys[(span.start, span.end)]]
            state.locations.append(Found(place.value, span.start_char, span.end_char, extra=place.extra))
            places_end.add(span.end - 1)
        done: set[int] = set()
        for start, end in joined_words(state.views.source):  # "Rotterdam-Charlois": few per ad
            span = doc.char_span(start, end, alignment_mode="expand")
            for token in span if span is not None else ():
                if token.i not in matched and token.i not in done and _JOINED.search(token.text):
                    done.add(token.i)
                    self._joined(doc, token, names, taken, state, places_end)
        state.locations.sort(key=lambda f: f.start)
        return doc

    def _joined(
        self, doc: Doc, token: Any, names: set[str], taken: SpanSet, state: AdState, places_end: set[int]
    ) -> None:
        """Places inside "Rotterdam-Charlois", "Den Bosch-West" (with the word before), "Arnhem/Ede"."""
        offset = 0
        for k, part in enumerate(_JOINED.split(token.text)):
            start = token.idx + token.text.index(part, offset) if part else token.idx + offset
            offset = start - token.idx + len(part)
            if not part or (k > 0 and "/" not in token.text):
                continue  # after a hyphen comes a district ("-Noord"), after a slash another place
            candidates = [(part, start)]
            if k == 0 and token.i > 0 and doc[token.i - 1].whitespace_:
                prev = doc[token.i - 1]
                candidates.insert(0, (f"{prev.text} {part}", prev.idx))
            for text, begin in candidates:
                place = self.by_form.get(text.lower())
                cue = self._cue(doc, token.i - (begin != start), places_end)
                end = start + len(part)
                if place is not None and self._accepts(text, cue, names) and not overlaps(begin, end, taken):
                    state.locations.append(Found(place.value, begin, end, extra=place.extra))
                    break


_JOINED = re.compile(r"[-/]")
_JOINED_WORDS = re.compile(r"[^\W\d_]{2,}[-/][^\W\d_]{2,}")
#: The "-" or "/" of a joined word: two letters on each side. Opening with the separator, ``re`` finds
#: it in C, where the plain pattern starts at every letter.
_JOIN_MARK = re.compile(r"[-/](?<=[^\W\d_]{2}[-/])(?=[^\W\d_]{2})")
_LETTER = re.compile(r"[^\W\d_]")
_LETTERS = re.compile(r"[^\W\d_]+")


def joined_words(text: str) -> list[tuple[int, int]]:
    """The spans of ``_JOINED_WORDS.finditer(text)`` (letters, "-" or "/", letters), found from the
    separators: a match starts where the letters before its separator start and ends where the
    letters after it end, and never starts inside an earlier match."""
    spans: list[tuple[int, int]] = []
    done = 0
    for mark in _JOIN_MARK.finditer(text):
        sep = mark.start()
        start = sep - 2
        if start < done:
            continue  # the letters before it belong to the previous match ("ab-cd-ef")
        while start > done and _LETTER.match(text, start - 1):
            start -= 1
        end = _LETTERS.match(text, sep + 1).end()  # type: ignore[union-attr]
        spans.append((start, end))
        done = end
    return spans


@Language.factory(
    "signaal_locations_v1", default_config=_LANGS_CFG, requires=["doc._.signaal"], assigns=["doc._.signaal"]
)
def make_locations(nlp: Language, name: str, lexicons: list[str]) -> Locations:
    gaz = load_gazetteer()
    matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    places: dict[int, Found] = {}
    by_form: dict[str, Found] = {}
    for form, place in gaz.forms.items():
        key = f"PLACE:{place.name}"
        found = Found(place.name, 0, 0, extra={"lat": place.lat, "lon": place.lon})
        places[nlp.vocab.strings.add(key)] = found
        by_form.setdefault(form.lower(), found)
        matcher.add(key, _phrase_docs(nlp, [form]))
    lex = lexicon.load("locations", lexicons)
    cues = frozenset(str(c).lower() for c in lex.get("cues", []))
    joins = frozenset(str(j).lower() for j in lex.get("joins", []))
    return Locations(
        matcher, places, gaz.ambiguous, cues, gaz.lowercase_words, by_form, bool(lex.get("number_is_cue")), joins
    )


class Persons:
    """Names (after a cue or in the "Name (19)" form), nationalities and genders (see nlp.extract.genders)."""

    def __init__(
        self,
        name_patterns: tuple[frozenset[str], re.Pattern[str]],
        not_names: frozenset[str],
        places: frozenset[str],
        matcher: PhraseMatcher,
        values: dict[int, tuple[str, str]],
        language_context: frozenset[str],
        gender_cues: GenderCues | None = None,
        name_genders: NameGenders | None = None,
        cued_word: re.Pattern[str] | None = None,
        vocab_words: frozenset[str] = frozenset(),
        pronoun_norms: dict[int, str] | None = None,
    ) -> None:
        self.name_patterns, self.not_names, self.places = name_patterns, not_names, places
        self.matcher, self.values, self.language_context = matcher, values, language_context
        self.cue_last_words = frozenset(cue.rsplit(" ", 1)[-1] for cue in name_patterns[0])
        self.gender_cues, self.name_genders = gender_cues or GenderCues(), name_genders
        self.cued_word = cued_word or re.compile(r"(?!x)x(?P<name>)")  # the word after a name cue, any case
        self.vocab_words = vocab_words  # gender words and pronouns: never read as a first name
        self.pronoun_norms = pronoun_norms or {}  # folded pronoun (NORM id) -> gender

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc)
        view = state.views.chars
        taken = state.contact_spans()
        title_end = view.text.find("\n\n\n\n")
        # Cue forms ("ik ben Adam") are strong evidence; the bare forms ("Adam (31)", a title word)
        # never take a place name ("Adam" is also Amsterdam slang).
        text = view.text
        cues, after = self.name_patterns
        last_words = self.cue_last_words
        # One scan for capitalised words serves both forms: the "Name (19)" matches are exactly the
        # scan's matches followed by an age (test_nlp_speedups.py), so no second scan is needed.
        capitals = list(_NAME_SCAN.finditer(text))
        strong = [
            (m, True)
            for m in capitals
            # ``after`` opens with a blank or a comma: a one-character test spares most calls.
            if _cue_before(text, m.start(), cues, last_words)
            or (text[m.end() : m.end() + 1] in _AFTER_OPENERS and after.match(text, m.end()))
        ]
        weak = [(m, False) for m in capitals if _AGE_AFTER_NAME.match(text, m.end())]
        weak += [(m, False) for m in _TITLE_NAME.finditer(text, 0, max(title_end, 0))]
        for m, is_strong in (*strong, *weak):
            name = m.group("name")
            start, end = view.to_source(m.start("name"), m.end("name"))
            low = name.lower()
            if low in self.not_names or (not is_strong and low in self.places) or overlaps(start, end, taken):
                continue
            taken.add(start, end)
            state.names.append(Found(name, start, end))
        words: list[tuple[str, int, int]] = []  # gender words that present the advertised person
        for match_id, s, e in self.matcher(doc):
            kind, value = self.values[match_id]
            span = doc[s:e]
            if kind == "nationality":
                before = {t.lower_ for t in doc[max(0, s - 2) : s]}
                if before & self.language_context or overlaps(span.start_char, span.end_char, taken):
                    continue
                state.nationalities.append(Found(value, span.start_char, span.end_char))
            elif kind == "gender" and self._presents(doc, s, e):
                words.append((value, span.start_char, span.end_char))
        # Names and pronouns are read only where no word decides (most ads name their person or say
        # "dame", "jongen"), so their cost falls on the few ads that need them.
        names = self._name_genders(state, text, title_end) if not words else []
        pronouns = self._pronouns(doc) if not (words or names) else []
        state.genders = [Found(value, start, end) for value, start, end in decide_genders(words, names, pronouns)]
        return doc

    def _pronouns(self, doc: Doc) -> list[tuple[str, int, int]]:
        """Third-person pronouns, as (gender, start, end); not a word that is a pronoun only sometimes
        after a word that makes it another ("blond haar" is hair)."""
        out = []
        norms = doc.to_array("NORM").tolist()
        for i in (i for i, norm in enumerate(norms) if norm in self.pronoun_norms):
            token = doc[i]
            not_after = self.gender_cues.pronoun_not_after.get(token.norm_)
            if not_after is None or i == 0 or doc[i - 1].norm_ not in not_after:
                out.append((self.pronoun_norms[norms[i]], token.idx, token.idx + len(token)))
        return out

    def _name_genders(self, state: AdState, text: str, title_end: int) -> list[tuple[str, int, int]]:
        """Genders of the first names: the names found, and the first word of the title and of the body or
        the word after a name cue in any case ("kyra, piepjong", "hoi ik ben annika"), when the names
        list knows it as a first name; not a name after "mijn vriend", "my manager" (someone else)."""
        if self.name_genders is None:
            return []
        view = state.views.chars
        found = {name.start: (name.value, name.start, name.end) for name in state.names}
        starts = [0, title_end + len(_TITLE_BODY)] if title_end >= 0 else [0]
        spans = [m.span(1) for at in starts if (m := _FIRST_WORD.match(text, at))]
        if not found:  # no name found with a capital: one in lower case after a cue ("ik ben annika")
            spans += [m.span("name") for m in self.cued_word.finditer(text)]
        for start, end in spans:
            word = text[start:end].lower()
            if word in self.not_names or word in self.places or word in self.vocab_words:
                continue
            src = view.to_source(start, end)
            found.setdefault(src[0], (text[start:end], *src))
        out = []
        source = state.views.source
        for name, start, end in sorted(found.values(), key=lambda f: f[1]):
            before = _LAST_WORD.search(source, max(0, start - 30), start)
            if before is not None and fold_token(before.group(1)) in self.gender_cues.name_not_after:
                continue
            if (gender := self.name_genders.gender(name)) is not None:
                out.append((gender, start, end))
        return out

    def _clause_words(self, doc: Doc, start: int, stop: int, step: int) -> list[str]:
        """Folded words from token ``start`` towards ``stop`` (exclusive) until a clause ends ("&" and "/"
        join a list: "mannen & vrouwen")."""
        out = []
        for i in range(start, stop, step):
            token = doc[i]
            if token.text in _LIST_JOINERS:
                continue
            if token.is_punct or token.is_space or "\n" in token.text:
                break
            out.append(token.norm_)
        return out

    def _presents(self, doc: Doc, s: int, e: int) -> bool:
        """True when the gender word ``doc[s:e]`` is about the advertised person: not the clients ("voor
        heren", "men only"), not negated ("geen mannen"), not someone else's ("mijn man")."""
        cues = self.gender_cues
        text = doc[s:e].text
        if text.lower() in cues.capitals_only and not text.isupper():
            return False  # "tv" is a television
        before = self._clause_words(doc, s - 1, max(-1, s - 1 - cues.window_before), -1)
        if before and before[0] in cues.other_before:
            return False
        if not cues.client_before.isdisjoint(before) or not cues.negation.isdisjoint(before):
            return False
        after = self._clause_words(doc, e, min(len(doc), e + cues.window_after), 1)
        return cues.client_after.isdisjoint(after) and " ".join(after[:2]) not in cues.client_after


_NAME = r"(?P<name>[A-Z][a-zà-ÿ]{1,19}(?:-[A-Z][a-zà-ÿ]{1,19})?)(?![\w@])"
_TITLE_BODY = "\n\n\n\n"  # analyzer.SEPARATOR, which this module cannot import (the analyzer imports it)
#: The first word of a title or body, after emoji and punctuation, standing alone: punctuation, a digit,
#: an emoji or the line end follows ("🍭 Lieve 🍭", "kyra, piepjong", "fenna 17"; not "Dag en nacht").
_FIRST_WORD = re.compile(r"[^\w\n]*([^\W\d_]{2,20})(?=[ \t]*(?:[^\w\s@.]|\.(?!\w)|\d|$))", re.MULTILINE)
_LAST_WORD = re.compile(r"([^\W\d_]+)[^\w\n]{1,3}$")
_LIST_JOINERS = frozenset("&/+")
_CUE_WORDS = re.compile(r"[\w']+")


def _cue_before(text: str, start: int, cues: frozenset[str], last_words: frozenset[str]) -> bool:
    """True when the words right before ``start`` (up to 4, then an optional ':' or '-') are a name cue.

    ``last_words``: the last word of each cue; the word before ``start`` must be one of them.
    """
    before = text[max(0, start - 40) : start].rstrip(" \t").rstrip(":-").lower()
    if not before or not (before[-1].isalnum() or before[-1] in "_'"):
        return False  # after a line break or punctuation: no cue word ends here (decided without splitting)
    chunk = before.rsplit(None, 1)[-1]
    if chunk.isalnum() and chunk not in last_words:
        return False  # the chunk is the last word itself (the usual case), and no cue ends with it
    words = _CUE_WORDS.findall(before)[-4:]
    if not words or words[-1] not in last_words or not before.endswith(words[-1]):
        return False
    return any(" ".join(words[i:]) in cues for i in range(len(words)))


# A name at a word start; the look-behind sits after the capital so ``re`` jumps from capital to capital.
_NAME_AT_WORD_START = _NAME.replace("(?P<name>[A-Z]", r"(?P<name>[A-Z](?<![\w][A-Z])", 1)
_NAME_SCAN = re.compile(_NAME_AT_WORD_START)
# "Lisa (19)", "Lisa (age 19)", "Lisa, 19," and in titles "Lisa - Utrecht", "Lisa | 19", "Lisa in Utrecht".
# The component filters the capitals scan with it rather than searching "name followed by age" in one
# pattern (same matches: test_nlp_speedups.py).
_AGE_AFTER_NAME = re.compile(r"[ \t]*\([^()\n]{0,20}\d|,[ \t]*\d\d\b|[ \t]+\d\d(?:[ \t]|$)")
#: First characters of a match of the name-cue ``after`` pattern (``[ \t]*,?[ \t]+...``).
_AFTER_OPENERS = frozenset(" \t,")
_TITLE_NAME = re.compile(
    rf"(?:^|[-|:,✨(]|\s-\s)[^\w\n]*{_NAME}(?=[ \t]*(?:$|[-|:,✨(]|\d|(?:in|uit|from)[ \t]+[A-Z']))"
)


@Language.factory(
    "signaal_persons_v1", default_config=_LANGS_CFG, requires=["doc._.signaal"], assigns=["doc._.signaal"]
)
def make_persons(nlp: Language, name: str, lexicons: list[str]) -> Persons:
    lex = lexicon.load("persons", lexicons)
    names = lex.get("names", {})
    # a cue right before a capitalised word ("ik ben Lisa"), or right after it ("Lisa hier")
    cues = frozenset(" ".join(str(c).lower().split()) for c in names.get("cues", []))
    # The lookahead for the words' first characters spares trying every word after most names.
    after_words = names.get("after", [])
    after = re.compile(rf"[ \t]*,?[ \t]+{first_chars(after_words)}(?:{alternation(after_words)})", re.IGNORECASE)
    matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    values: dict[int, tuple[str, str]] = {}
    genders = lex.get("genders", {})
    tables = (
        ("nationality", lex.get("nationalities", {})),
        ("gender", genders.get("words", {})),
    )
    for kind, table in tables:
        for value, forms in table.items():
            key = f"{kind.upper()}:{value}"
            values[nlp.vocab.strings.add(key)] = (kind, str(value))
            matcher.add(key, _phrase_docs(nlp, forms))
    not_names = frozenset(str(n).lower() for n in names.get("not_names", []))
    places = frozenset(form.lower() for form in load_gazetteer().forms)
    context = frozenset(str(w).lower() for w in names.get("language_context", []))
    name_genders = NameGenders(tuple(str(c) for c in genders.get("name_countries", [])))
    gender_cues = GenderCues.from_lexicon(genders, fold_token)
    cue_words = names.get("cues", [])
    cued_word = re.compile(
        rf"{first_chars(cue_words)}(?:{alternation(cue_words)})[ \t]*[:,\-]?[ \t]*(?P<name>[^\W\d_]{{2,20}})(?![\w@.])",
        re.IGNORECASE,
    )
    tables = (genders.get("words", {}), genders.get("pronouns", {}))
    vocab = frozenset(str(w).lower() for table in tables for forms in table.values() for w in forms)
    pronouns = {
        nlp.vocab.strings.add(fold_token(str(w))): str(value)
        for value, ws in genders.get("pronouns", {}).items()
        for w in ws
    }
    return Persons(
        (cues, after),
        not_names,
        places,
        matcher,
        values,
        context,
        gender_cues,
        name_genders,
        cued_word,
        vocab,
        pronouns,
    )


class Indicators:
    """Indicator codes from phrases, token patterns and regexes, plus those derived from entities.

    A phrase match is cancelled by a negation cue in the few tokens before it
    (within the same clause) and by an ``exclude`` phrase around it, so "geen
    hotels", "niet 24/7" and "no hotel visits" do not fire.
    """

    _CLAUSE_BREAK = frozenset("~•·|*→»")  # besides spaCy's punctuation and line breaks
    _QUOTES = frozenset("'\"‘’“”")

    def __init__(
        self,
        phrases: PhraseMatcher,
        patterns: Matcher,
        excludes: PhraseMatcher,
        words: list[tuple[str, re.Pattern[str]]],
        regexes: list[tuple[str, re.Pattern[str], frozenset[str] | None]],
        negation_cues: frozenset[str],
        window: int,
        after_cues: frozenset[str],
        not_negatable: frozenset[str],
        derived: dict,
        emit: Callable[..., dict],
        word_rules: WordRules | None = None,
        window_after: int = 1,
    ) -> None:
        self.phrases, self.patterns, self.excludes, self.regexes = phrases, patterns, excludes, regexes
        self.word_rules, self.window_after = word_rules, window_after
        self.rare_chars = frozenset().union(*(firsts for _, _, firsts in regexes if firsts is not None))
        # Most rules do not fire on most ads: a regex runs only where the strings it needs occur.
        self.literal_gate = LiteralGate([required_literals(pattern.pattern) for _, pattern, _ in regexes])
        self.words = words
        self._word_hits: dict[int, frozenset[str]] = {}  # norm id -> codes whose word pattern matches it
        self._word_matching: set[int] = set()  # those with at least one code
        self.negation_cues, self.window, self.not_negatable = negation_cues, window, not_negatable
        self.after_cues = after_cues
        self.derived, self.emit = derived, emit

    def _word_codes(self, norm: int, strings: Any) -> None:
        """Cache the codes whose word pattern matches the folded word ``norm``, a word not seen before."""
        word = strings[norm]
        codes = self._word_hits[norm] = frozenset(code for code, pattern in self.words if pattern.match(word))
        if codes:
            self._word_matching.add(norm)

    def _negated(self, doc: Doc, start: int) -> bool:
        for i in range(start - 1, max(0, start - self.window) - 1, -1):  # no Span object: plain indexing
            token = doc[i]
            if token.text in self._QUOTES:
                continue  # "geen cadeautjes of 'sponsors'": quotes end no clause
            if token.is_space or token.is_punct or token.text in self._CLAUSE_BREAK or "\n" in token.text:
                return False
            if token.norm_ in self.negation_cues or token.lower_ in self.negation_cues:
                return True
        return False

    def _negated_after(self, doc: Doc, end: int) -> bool:
        """ "hotels niet", "hotels: no", "Hotelbezoek doe ik niet." — a cue after the match that closes
        its clause, at most ``window_after`` tokens on."""
        i = end
        if i < len(doc) and doc[i].text in ":,-":
            i += 1
        for k in range(i, min(len(doc), i + self.window_after)):
            token = doc[k]
            if token.is_punct or "\n" in token.text:
                return False
            if token.norm_ in self.after_cues:
                nxt = doc[k + 1] if k + 1 < len(doc) else None
                return nxt is None or nxt.is_punct or nxt.is_space or "\n" in nxt.text_with_ws
        return False

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc)
        text = state.views.source  # doc.text re-joins every token on each access
        strings = doc.vocab.strings
        excluded: dict[str, SpanSet] = {}
        for match_id, s, e in self.excludes(doc):
            excluded.setdefault(strings[match_id], SpanSet()).add(doc[s].idx, doc[e - 1].idx + len(doc[e - 1]))
        hits: list[tuple[str, int, int, int, int]] = []  # code, start_char, end_char, first token, end token
        matches = self.phrases(doc) + (self.patterns(doc) if len(self.patterns) else [])
        for match_id, s, e in matches:
            last = doc[e - 1]  # the span's characters without building a Span
            hits.append((strings[match_id], doc[s].idx, last.idx + len(last), s, e))
        if self.words:
            norms = doc.to_array("NORM").tolist()
            in_doc = set(norms)
            # Only new words reach Python. ``set.difference(dict)`` looks each of the ad's words up in the
            # dict; ``set - dict.keys()`` would walk every word ever seen (it grows with the vocabulary).
            for norm in in_doc.difference(self._word_hits):
                self._word_codes(norm, strings)
            if matching := in_doc & self._word_matching:
                # Token by token, each token's codes in rule order: hits at one token keep the rule
                # order, and hits at different tokens are ordered by the sort below.
                codes = [code for code, _ in self.words]
                for i, norm in enumerate(norms):
                    if norm in matching:
                        token_codes = self._word_hits[norm]
                        token = doc[i]
                        for code in codes:
                            if code in token_codes:
                                hits.append((code, token.idx, token.idx + len(token), i, i + 1))
        present = {c for c in self.rare_chars if c in text}  # emoji openings: a fast substring test each
        for (code, pattern, firsts), possible in zip(self.regexes, self.literal_gate.possible(text), strict=True):
            if not possible or (firsts is not None and firsts.isdisjoint(present)):
                continue  # a string the pattern needs or its emoji is not in the text
            for m in pattern.finditer(text):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                first, end = (span.start, span.end) if span is not None else (0, 0)
                hits.append((code, m.start(), m.end(), first, end))
        negatable: dict[tuple[str, int, int], bool] = {}  # a rule's own setting, where it has one
        if self.word_rules is not None:
            for rule, start, end in self._rule_hits(state):
                span = doc.char_span(start, end, alignment_mode="expand")
                hits.append((rule.code, start, end, *((span.start, span.end) if span is not None else (0, 0))))
                if rule.negatable is not None:
                    negatable[(rule.code, start, end)] = rule.negatable
        taken = state.contact_spans()
        found: dict[str, SpanSet] = {}
        for code, start, end, first, last in sorted(hits, key=lambda h: (h[1], -(h[2] - h[1]))):
            if (code in found and found[code].overlaps(start, end)) or taken.overlaps(start, end):
                continue
            if code in excluded and excluded[code].covers(start, end):
                continue
            can_negate = negatable.get((code, start, end), code not in self.not_negatable)
            if can_negate and (self._negated(doc, first) or self._negated_after(doc, last)):
                continue
            found.setdefault(code, SpanSet()).add(start, end)
            state.indicators.append(self.emit(code, start, end, text))
        self._derive(state, text)
        return doc

    def _rule_hits(self, state: AdState) -> list[tuple[Rule, int, int]]:
        """(rule, source start, source end) of every word rule that matches the ad."""
        words = words_of(state.views.chars)
        places = SpanSet((f.start, f.end) for f in state.locations)
        names = SpanSet((f.start, f.end) for f in state.names)
        return [
            (rule, *words.to_source(first, last))
            for rule, first, last in self.word_rules.find(words, places, names)  # type: ignore[union-attr]
        ]

    def _derive(self, state: AdState, text: str) -> None:
        rules = self.derived
        for age in state.ages:
            if "MINOR_STATED_AGE" in rules and age.value < rules["MINOR_STATED_AGE"]["age_below"]:
                state.indicators.append(self.emit("MINOR_STATED_AGE", age.start, age.end, text))
            elif "MINOR_BORDERLINE_AGE" in rules:
                r = rules["MINOR_BORDERLINE_AGE"]
                if r["age_from"] <= age.value <= r["age_to"]:
                    state.indicators.append(self.emit("MINOR_BORDERLINE_AGE", age.start, age.end, text))
        for contact in (*state.phones, *state.emails):
            if contact.obfuscated:
                state.indicators.append(self.emit("TRAF_OBFUSCATED_CONTACT", contact.start, contact.end, text))
        limits = rules.get("TRAF_LOW_PRICE", {}).get("price_below", {})
        for price in state.prices:
            per, amount = price.value["per"], price.value["amount"]
            if per in limits and price.value["currency"] == "EUR" and amount < limits[per]:
                state.indicators.append(self.emit("TRAF_LOW_PRICE", price.start, price.end, text))


def _combos(combos: list[list[list[Any]]]) -> list[str]:
    """Every combination of one alternative per slot ("" leaves the slot out)."""
    return [" ".join(w for w in map(str, words) if w) for combo in combos for words in product(*combo)]


def _word_pattern(spec: dict) -> re.Pattern[str] | None:
    """One regex over a folded word for a code's word_prefix / word_contains / word_not_prefix lists."""

    def alt(key: str) -> str:
        return "|".join(re.escape(fold_token(str(w))) for w in spec.get(key, []))

    parts = []
    if spec.get("word_prefix"):
        parts.append(rf"(?:{alt('word_prefix')})")
    if spec.get("word_contains"):
        parts.append(rf".*(?:{alt('word_contains')})")
    if not parts:
        return None
    guard = rf"(?!{alt('word_not_prefix')})" if spec.get("word_not_prefix") else ""
    return re.compile(rf"{guard}(?:{'|'.join(parts)})")


@Language.factory(
    "signaal_indicators_v1", default_config=_LANGS_CFG, requires=["doc._.signaal"], assigns=["doc._.signaal"]
)
def make_indicators(nlp: Language, name: str, lexicons: list[str]) -> Indicators:
    lex = lexicon.load("indicators", lexicons)
    meta = lexicon.codes()
    phrases = PhraseMatcher(nlp.vocab, attr="NORM")
    patterns = Matcher(nlp.vocab)
    excludes = PhraseMatcher(nlp.vocab, attr="NORM")
    regexes: list[tuple[str, re.Pattern[str], frozenset[str] | None]] = []
    words: list[tuple[str, re.Pattern[str]]] = []
    not_negatable: set[str] = set()
    for code, spec in lex.get("codes", {}).items():
        if code not in meta:
            raise ValueError(f"lexicon names unknown indicator code {code!r} (see lexicons/common/codes.yaml)")
        terms = [*spec.get("terms", []), *_combos(spec.get("combos", []))]
        if terms:
            phrases.add(code, _phrase_docs(nlp, terms))
        if spec.get("patterns"):
            patterns.add(code, fold_pattern(spec["patterns"]))
        if spec.get("exclude"):
            excludes.add(code, _phrase_docs(nlp, spec["exclude"]))
        # Case-sensitive: write (?i:...) where case does not matter.
        regexes.extend(
            (code, compile_fast(str(r).strip()), rare_first_chars(str(r).strip())) for r in spec.get("regex", [])
        )
        if word_pattern := _word_pattern(spec):
            words.append((code, word_pattern))
        if spec.get("negatable", True) is False:
            not_negatable.add(code)
    negation = lex.get("negation", {})
    word_rules = _word_rules(lexicons, meta, _not_names(lexicons, lex.get("sets", {})))

    def emit(code: str, start: int, end: int, text: str) -> dict:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return {
            "code": code,
            "category": meta[code]["category"],
            "start": start,
            "end": end,
            "text": text[start:end],
            "weight": float(meta[code]["weight"]),
        }

    derived = lexicon.load("codes", []).get("derived", {})
    return Indicators(
        phrases,
        patterns,
        excludes,
        words,
        regexes,
        frozenset(fold_token(str(c)) for c in negation.get("cues", [])),
        int(negation.get("window", 3)),
        frozenset(fold_token(str(c)) for c in negation.get("after", [])),
        frozenset(not_negatable),
        derived,
        emit,
        word_rules,
        int(negation.get("window_after", 1)),
    )


def _not_names(lexicons: list[str], sets: dict[str, list[str]]) -> frozenset[str]:
    """Folded words a <CAP> slot never takes: the persons lexicon's not-names, languages, weekdays, months."""
    words = [*lexicon.load("persons", lexicons).get("names", {}).get("not_names", [])]
    for name in ("langs", "weekdays", "foreign_places", "not_cap_names"):
        words += sets.get(name, [])
    return frozenset(fold(str(w)).lstrip("=") for w in words)


def _word_rules(lexicons: list[str], meta: dict[str, Any], not_names: frozenset[str]) -> WordRules | None:
    """Every ``rules`` entry of the indicator lexicons, stemmed in the language of its file."""
    sets = lexicon.load("indicators", lexicons).get("sets", {})
    rules: list[Rule] = []
    for lang, content in lexicon.load_each("indicators", lexicons):
        for code, spec in (content.get("codes") or {}).items():
            if code not in meta:
                raise ValueError(f"lexicon names unknown indicator code {code!r} (see lexicons/common/codes.yaml)")
            for item in spec.get("rules", []):
                # A rule is a string, or {rule, negatable, also: [codes it signals too]} (an agency ad
                # is written by a third person about several persons).
                text, own, also = (
                    (item.get("rule"), item.get("negatable"), item.get("also", []))
                    if isinstance(item, dict)
                    else (item, None, [])
                )
                for target in (code, *also):
                    if target not in meta:
                        raise ValueError(f"indicator rule {text!r} names unknown code {target!r}")
                    rule = compile_rule(target, text, sets, None if lang == "common" else lang)
                    rules.append(Rule(rule.code, rule.elements, rule.source, own))
    number_words = frozenset(NumberWords.from_lexicon(tuple(lexicons)).values)
    return WordRules(rules, number_words, not_names) if rules else None
