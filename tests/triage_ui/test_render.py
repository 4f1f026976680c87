"""Pure rendering helpers: highlight segments, word diff, charts."""

from triage_ui.render.charts import column_chart, row_chart
from triage_ui.render.highlight import segments
from triage_ui.render.textdiff import word_diff


def test_segments_cover_text_exactly_with_overlaps():
    text = "nieuw in de stad, alleen hotel"
    inds = [
        {"code": "TRAF_MOVEMENT", "category": "trafficking", "field": "body", "start": 0, "end": 16},
        {"code": "MINOR_YOUTH_TERMS", "category": "minor", "field": "body", "start": 12, "end": 20},
        {"code": "TRAF_HOTEL", "category": "trafficking", "field": "title", "start": 0, "end": 3},
    ]
    segs = segments(text, inds, "body")
    assert "".join(s.text for s in segs) == text
    assert [s.codes for s in segs] == [
        ["TRAF_MOVEMENT"],
        ["TRAF_MOVEMENT", "MINOR_YOUTH_TERMS"],
        ["MINOR_YOUTH_TERMS"],
        [],
    ]
    assert segs[1].css == "ind-minor" and "youth" in segs[1].explanation


def test_segments_survive_bad_offsets():
    segs = segments(
        "abc",
        [{"code": "X", "field": "body", "start": 2, "end": 99}, {"code": "Y", "field": "body", "start": "?", "end": 1}],
        "body",
    )
    assert "".join(s.text for s in segs) == "abc" and segs[-1].codes == ["X"]


def test_word_diff():
    assert word_diff("100 euro per uur", "120 euro per uur") == [("-", "100"), ("+", "120"), ("=", " euro per uur")]


def test_charts_scale_to_max():
    col = column_chart([("a", 1), ("b", 4)], width=200, height=136)
    assert col.bars[1].height == 100 and col.bars[0].height == 25 and col.bars[1].width == 40
    row = row_chart([("x", 2), ("y", 1)], width=460)
    assert row.bars[0].width == 200 and row.bars[1].width == 100
