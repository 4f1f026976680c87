"""The speed-ups change no result: each fast path is checked against the plain way it replaces."""

import re

import spacy
from hypothesis import HealthCheck, given, settings
from test_nlp_properties import TEXT

from nlp.extract._regex import compile_fast, rare_first_chars
from nlp.extract.ages import _NAME_FORM, _NUM_SCAN
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
