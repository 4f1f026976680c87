"""Progress on stderr: plain lines (rate, time left) when not on a terminal, a rich bar on one, nothing when off."""

from __future__ import annotations

import io

from signaal.progress import Progress, choose_mode


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_mode_prints_count_share_rate_and_time_left():
    out = io.StringIO()
    with Progress("link", total=1000, unit="ads", every_s=0.0, stream=out) as p:
        p.update(250)
        p.phase("link: writing")
        p.update(1000)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("link: 250/1,000 ads (25 %), ") and " ads/s" in lines[0] and lines[0].endswith(" left")
    assert lines[1].startswith("link: writing: 1,000/1,000 ads (100 %)") and "left" not in lines[1]


def test_lines_mode_waits_every_s_between_lines_and_without_total_counts_only():
    out = io.StringIO()
    with Progress("index", unit="ads", every_s=3600, stream=out) as p:
        for _ in range(100):
            p.advance(10)
    assert out.getvalue() == "", "no line before every_s has passed, and none at the end if none was printed"
    again = io.StringIO()
    with Progress("index", unit="ads", every_s=0.0, stream=again) as p:
        p.advance(5)
    assert again.getvalue().splitlines()[0].startswith("index: 5 ads, ")


def test_mode_follows_the_stream_and_the_environment(monkeypatch):
    monkeypatch.delenv("SIGNAAL_PROGRESS", raising=False)
    assert choose_mode(io.StringIO()) == "lines" and choose_mode(_Terminal()) == "bar"
    monkeypatch.setenv("SIGNAAL_PROGRESS", "off")
    assert choose_mode(_Terminal()) == "off"


def test_bar_mode_draws_a_rich_bar_with_rate_and_time_left():
    out = _Terminal()
    with Progress("rescore", total=200, unit="ads", stream=out, mode="bar") as p:
        p.update(100)
    text = out.getvalue()
    assert "rescore" in text and "100/200" in text and "ads/s" in text
    off = io.StringIO()
    with Progress("x", total=2, stream=off, mode="off") as p:
        p.advance(2)
    assert off.getvalue() == ""
