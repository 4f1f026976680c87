"""Offset-keeping rewrites: every view span maps back to the exact source slice."""

from nlp.normalize import NumberWords, Views, fold_chars, lookalikes
from nlp.rewrite import Rewritten, View


def test_identity_maps_one_to_one():
    r = Rewritten("abc def")
    assert r.identity and r.text == "abc def"
    assert r.to_source(4, 7) == (4, 7)
    assert not r.edited_within(0, 7)


def test_replacement_maps_whole_source_stretch():
    src = "bel nul zes nu"
    r = Rewritten(src, [(4, 7, "0"), (8, 11, "6")])
    assert r.text == "bel 0 6 nu"
    start, end = r.to_source(4, 7)
    assert src[start:end] == "nul zes"
    assert r.edited_within(4, 5) and not r.edited_within(8, 10)


def test_deletion_is_an_edit():
    src = "0\u200b6"
    r = fold_chars(src)
    assert r.text == "06"
    assert r.edited_within(0, 2)
    assert r.to_source(0, 2) == (0, 3)


def test_keycap_digits_and_fullwidth_fold():
    src = "1\ufe0f\u20e32\u20e3 ３"
    r = fold_chars(src)
    assert r.text == "12 3"
    assert src[slice(*r.to_source(0, 2))] == "1\ufe0f\u20e32\u20e3"


def test_lookalikes_only_inside_digit_runs():
    assert lookalikes("O6-l2345678").text == "06-12345678"
    assert lookalikes("Hotel Oslo 1999").text == "Hotel Oslo 1999"


def test_chained_views_map_through_every_layer():
    words = NumberWords.from_lexicon(("nl", "en"))
    src = "tel: nul zes １２ 34 56 78"
    views = Views(src, words)
    assert views.full.text == "tel: 0 6 12 34 56 78"
    start = views.full.text.index("0")
    s, e = views.full.to_source(start, len(views.full.text))
    assert src[s:e] == "nul zes １２ 34 56 78"


def test_view_of_unedited_text_is_identity():
    v = View([Rewritten("plain")])
    assert v.to_source(1, 3) == (1, 3) and not v.edited_within(0, 5)


def test_number_words_both_languages():
    words = NumberWords.from_lexicon(("nl", "en"))
    assert words.value("zeventien") == 17
    assert words.value("tweeëntwintig") == 22
    assert words.value("eenentwintig") == 21
    assert words.value("twenty-two") == 22
    assert words.value("nineteen") == 19
    assert words.value("plus") == "+"
