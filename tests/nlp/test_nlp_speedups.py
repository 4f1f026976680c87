"""The speed-ups change no result: each fast path is checked against the plain way it replaces."""

import re

import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_nlp_properties import TEXT

from nlp.extract import phones
from nlp.extract._regex import LiteralGate, _case_traps, compile_fast, rare_first_chars, required_literals
from nlp.extract.ages import _NAME_FORM, _NUM_SCAN, _WORDS, _ends_with_phrase, _last_words
from nlp.normalise import _FOLD_TARGETS, _LOOKALIKE_RUN, _NON_ASCII, _WORD, words_and_spans
from nlp.pipeline import get_pipeline
from nlp.rewrite import Rewritten, View
from signaal.demo_sites import generate

ADS = [f"{a['title']}\n\n\n\n{a['body']}" for a in generate(seed=5, n_ads=120, epoch=1).ads]
PLAIN = {lang: spacy.blank(lang).tokenizer for lang in ("nl", "en")}
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _tokens(doc):
    # Token-level norms from tokenizer exceptions ("'t" -> "het") are part of the tokenizer's output;
    # lexeme norms are not (the pipeline folds those).
    return [(t.text, t.whitespace_, t.idx, doc.vocab.strings[t.norm] if t.norm != t.lex.norm else None) for t in doc]


def test_pipeline_tokenizer_gives_spacys_tokens_on_ads():
    for lang in ("nl", "en"):
        plain = PLAIN[lang]
        ours = get_pipeline(lang).tokenizer
        for text in ADS + ADS:  # the second round reads chunks from the warmed cache
            assert _tokens(ours(text)) == _tokens(plain(text))


@FAST
@given(text=TEXT)
def test_pipeline_tokenizer_gives_spacys_tokens_on_any_text(text):
    plain = PLAIN["nl"]
    ours = get_pipeline("nl").tokenizer
    assert _tokens(ours(text)) == _tokens(plain(text))
    assert _tokens(ours(text)) == _tokens(plain(text))


def test_tokenizer_cache_stays_bounded():
    from nlp.tokenizer import ChunkCachedTokenizer

    tok = ChunkCachedTokenizer(spacy.blank("nl").tokenizer, cache_size=50)
    plain = PLAIN["nl"]
    for i in range(40):
        text = " ".join(f"w{i}x{j}, 't" for j in range(10))
        assert _tokens(tok(text)) == _tokens(plain(text))
        assert len(tok._seen) <= 50


LEXICON_REGEXES = [p.pattern for _, p, _ in get_pipeline("nl").get_pipe("indicators").regexes]
OPENINGS = [
    r"(?<![\w])(?i:onze|dit is|dit)\s+[A-Z][a-z]+",
    r"(?<![\d/])24[ \t]*/[ \t]*7",
    r"(?i)(?<!\w)(?:ook|also)\s+\w+",
    r"(?<![\w.,])\d{1,5}[ \t]*(?:eur|€)",
    r"\b(?:ß|straße)\b",
    r"(?<!x)(?:a|)b",  # can start with "a" or "b"
    r"(?<!x)a*b",
]


def test_first_character_lookahead_is_added_only_where_it_helps():
    assert compile_fast(r"(?<![\w])(?i:onze|dit)\s").pattern.startswith("(?=")
    assert compile_fast(r"(?i)(?<![\d])24").pattern.startswith("(?i)(?=")
    assert compile_fast(r"24(?<![\d/]24)/7").pattern == r"24(?<![\d/]24)/7"  # literal first: re searches it
    assert compile_fast(r"(?<!x).b").pattern == r"(?<!x).b"  # any character may start a match
    assert rare_first_chars("👧🏻?") == frozenset("👧")
    assert rare_first_chars(r"24/7") is None


@FAST
@given(text=TEXT)
def test_first_character_lookahead_finds_the_same_matches(text):
    for pattern in [*LEXICON_REGEXES, *OPENINGS]:
        plain = re.compile(pattern)
        assert [m.span() for m in compile_fast(pattern).finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_first_character_lookahead_on_ads():
    for pattern in [*LEXICON_REGEXES, *OPENINGS]:
        plain, fast = re.compile(pattern), compile_fast(pattern)
        for text in ADS:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def _digit_line_patterns():
    pipeline = get_pipeline("nl")
    prices = pipeline.get_pipe("prices").rules
    return [
        prices.cur_first,
        prices.cur_after,
        prices.dash_form,
        prices.unit_amount,
        pipeline.get_pipe("ages").rules.unit,
        _NUM_SCAN,
        _NAME_FORM,
    ]


@FAST
@given(text=TEXT)
def test_digit_line_search_finds_what_a_whole_text_search_finds(text):
    view = View([Rewritten(text)])
    for pattern in _digit_line_patterns():
        assert [m.span() for m in view.finditer_digit_lines(pattern)] == [m.span() for m in pattern.finditer(text)]


@FAST
@given(text=TEXT)
def test_email_search_on_lines_with_an_at_finds_every_address(text):
    rules = get_pipeline("nl").get_pipe("contacts").emails
    from nlp.extract.emails import _matches_on_lines_with_at

    assert [m.span() for m in _matches_on_lines_with_at(text, rules)] == [
        m.span() for m in rules.pattern.finditer(text)
    ]


# --- Round 2: required-literal gates, cheaper scans, fewer word splits ---------------------------

# Words that put the case-insensitive gate to work (and its traps: Kelvin sign, long s, dotless i).
GATE_PIECES = [
    "onze ",
    "DIT IS ",
    "ook ",
    "Also ",
    "vriendin ",
    "Lisa",
    " is een ",
    "24/7",
    "K",
    "ſ",
    "ı",
    "İ",
    "T.ME/",
    "kik.me/x",
]
GATE_TEXT = st.lists(st.one_of(TEXT, st.sampled_from(GATE_PIECES)), max_size=12).map("".join)


def test_required_literals_are_derived_from_the_parsed_pattern():
    assert required_literals(r"(?<![\w])(?i:onze|dit is|dit)\s+[A-Z][a-z]+") == {"onze", "dit"}
    assert required_literals(r"[A-Z][a-z]+ is (?:een|echt)\b") == {" is een", " is echt"}
    assert required_literals(r"(?i)24(?<![\d/]24)[ \t]*[uh]?[ \t]*/[ \t]*7") == {"24"}
    assert required_literals(r"(?:www\.)?(?:kik\.me|t\.me)/\w") == {"kik.me/", "t.me/"}
    assert required_literals(r"[A-Z][a-z]+") is None  # 26 one-letter strings would filter nothing
    assert required_literals("👧🏻?") is None  # non-ASCII literals are left to the emoji gate
    assert required_literals(r"\d+|abc") is None  # one branch needs no literal


def test_case_traps_come_from_re_and_str():
    assert _case_traps() >= {"\u212a", "ſ", "ı", "İ"}
    assert all(c not in _case_traps() for c in "éëüß€👧")


@st.composite
def _gate_case(draw):
    url = get_pipeline("nl").get_pipe("contacts").handles.url_pattern.pattern
    return draw(GATE_TEXT), draw(st.sampled_from([*LEXICON_REGEXES, *OPENINGS, url]))


@FAST
@given(case=_gate_case())
def test_literal_gate_never_skips_a_regex_that_matches(case):
    text, pattern = case
    gate = LiteralGate([required_literals(pattern)])
    if re.search(pattern, text):
        assert gate.possible(text) == [True]


def test_literal_gate_on_ads_and_case_traps():
    gate = LiteralGate([required_literals(p) for p in LEXICON_REGEXES])
    for text in [*ADS, "dİt Lisa", "DIT Lisa", "oo\u212a Lisa, 22"]:
        for pattern, possible in zip(LEXICON_REGEXES, gate.possible(text), strict=True):
            assert possible or not re.search(pattern, text)
    assert not all(gate.possible("Hallo, ik ben Lisa uit Utrecht."))  # it does skip rules


def test_lower_casing_never_changes_whether_a_character_is_a_letter():
    # number_words reads word positions from the lower-cased text when it has the same length.
    letter = re.compile(r"[^\W\d_]")
    for code in range(0x110000):
        ch = chr(code)
        low = ch.lower()
        if len(low) == 1:
            assert bool(letter.match(ch)) == bool(letter.match(low)), hex(code)


@FAST
@given(text=TEXT)
def test_words_and_spans_match_findall_and_finditer(text):
    words, spans = words_and_spans(text, _WORD)
    assert words == _WORD.findall(text)
    assert spans == [m.span() for m in _WORD.finditer(text)]


@FAST
@given(text=TEXT)
def test_fold_scan_without_keycap_mark_finds_the_same_targets(text):
    text = text.replace("\u20e3", "")
    assert [m.span() for m in _NON_ASCII.finditer(text)] == [m.span() for m in _FOLD_TARGETS.finditer(text)]


LOOKALIKE_PLAIN = re.compile(r"(?<![A-Za-z])[0-9OoIl|](?:[ .\-]?[0-9OoIl|]){7,}(?![A-Za-z])")
LOOKALIKE_TEXT = st.lists(
    st.sampled_from(["O", "o", "l", "I", "|", "6", "0", "12", " ", ".", "-", "a", "Z"]), max_size=30
)


@FAST
@given(text=st.one_of(TEXT, LOOKALIKE_TEXT.map("".join)))
def test_lookalike_run_with_its_look_behind_after_the_first_character(text):
    assert [m.span() for m in _LOOKALIKE_RUN.finditer(text)] == [m.span() for m in LOOKALIKE_PLAIN.finditer(text)]


def _plain_joiners(rules):
    # The pattern as round 1 had it: a look-behind for the digit, then the joiner.
    return re.compile(rules.joiners.pattern.replace(r"\d(?P<joiner>", r"(?<=\d)(?P<joiner>", 1), re.IGNORECASE)


JOINER_TEXT = st.lists(
    st.sampled_from(["0612", "345", " en dan ", " + ", "+31", "...", " then ", "7", " ", ","]), max_size=12
)


@FAST
@given(text=st.one_of(TEXT, JOINER_TEXT.map("".join)))
def test_phone_joiners_found_from_the_digit_are_the_same(text):
    rules = get_pipeline("nl").get_pipe("contacts").phones
    assert rules.joiners.pattern.startswith(r"\d(?P<joiner>")
    plain = _plain_joiners(rules)
    assert [m.span("joiner") for m in rules.joiners.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_phone_parse_memo_changes_no_result():
    from nlp.extract.phones import find_phones

    pipeline = get_pipeline("nl")
    rules = pipeline.get_pipe("contacts").phones
    views = [pipeline(text)._.signaal.views.full for text in ADS[:60]]
    try:
        phones.use_parse_memo(False)
        assert phones.parse_memo_info() is None
        plain = [find_phones(v, rules) for v in views]
        phones.use_parse_memo(True)
        assert [find_phones(v, rules) for v in views] == plain
        assert [find_phones(v, rules) for v in views] == plain  # now from the memo
        assert phones.parse_memo_info().hits > 0
    finally:
        phones.use_parse_memo(True)


def _plain_ends_with_phrase(text, phrases):
    if not text or not (text[-1].isalnum() or text[-1] in "_'"):
        return False
    words = _WORDS.findall(text[-30:].lower())[-4:]
    if not words or not text.lower().endswith(words[-1]):
        return False
    return any(" ".join(words[i:]) in phrases for i in range(len(words)))


CUE_TEXT = st.lists(
    st.sampled_from(["ik ben", " ", "Ik Ben", "age", ":", "is", "net", "Lisa", "x", "'", "\n"]), max_size=8
)


@FAST
@given(text=st.one_of(TEXT, CUE_TEXT.map("".join)))
def test_age_cue_check_with_last_words_is_the_plain_check(text):
    rules = get_pipeline("nl").get_pipe("ages").rules
    for phrases in (rules.cues, rules.near_cues):
        assert _ends_with_phrase(text, phrases, _last_words(phrases)) == _plain_ends_with_phrase(text, phrases)


DISCLAIMER_TEXT = st.lists(st.sampled_from(["vanaf", "alle dames", " ", "\t", ":", "ouder dan", "x", "\n"]), max_size=6)


@FAST
@given(text=st.one_of(TEXT, DISCLAIMER_TEXT.map("".join)))
def test_age_disclaimer_gate_skips_only_what_cannot_match(text):
    rules = get_pipeline("nl").get_pipe("ages").rules
    assert rules.disclaimer_ends(text) == bool(rules.disclaimer_before.search(text))


def _plain_cue_before(text, start, cues):
    before = text[max(0, start - 40) : start].rstrip(" \t").rstrip(":-").lower()
    if not before or not (before[-1].isalnum() or before[-1] in "_'"):
        return False
    words = re.findall(r"[\w']+", before)[-4:]
    if not words or not before.endswith(words[-1]):
        return False
    return any(" ".join(words[i:]) in cues for i in range(len(words)))


NAME_CUE_TEXT = st.lists(
    st.sampled_from(["ik ben ", "mijn naam is", "I'm", " ", ":", "(", "Lisa", "x_", "\n", "é"]), max_size=8
)


@FAST
@given(text=st.one_of(TEXT, NAME_CUE_TEXT.map("".join)))
def test_name_cue_check_with_last_words_is_the_plain_check(text):
    from nlp.components import _cue_before

    persons = get_pipeline("nl").get_pipe("persons")
    cues = persons.name_patterns[0]
    for start in range(len(text) + 1):
        assert _cue_before(text, start, cues, persons.cue_last_words) == _plain_cue_before(text, start, cues)


def test_name_after_words_lookahead_changes_no_match():
    persons = get_pipeline("nl").get_pipe("persons")
    after = persons.name_patterns[1]
    plain = re.compile(re.sub(r"\(\?=\[[^\]]*\]\)", "", after.pattern, count=1), re.IGNORECASE)
    assert plain.pattern != after.pattern
    for text in ADS:
        for m in re.finditer(r"[A-Z][a-z]+", text):
            assert bool(after.match(text, m.end())) == bool(plain.match(text, m.end()))
