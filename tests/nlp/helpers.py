"""Helpers for the NLP tests: one-ad analysis, codes, and a Hypothesis strategy for ad-like text."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import nlp


def analyze(body: str = "", title: str = "", **extra: Any) -> dict[str, Any]:
    """The analysis of one ad (title + body)."""
    return next(nlp.analyze([{"id": "test:1", "title": title, "body": body, **extra}]))


def codes(result: dict[str, Any]) -> set[str]:
    return {i["code"] for i in result["indicators"]}


# Text mixing arbitrary unicode with the material the extractors look for.
PIECES = st.sampled_from(
    [
        "06-12345678",
        "nul zes",
        "twee",
        "zeventien jaar",
        "18+",
        "SC: ",
        "@",
        "[at]",
        "(dot)",
        " ",
        "\n",
        "€",
        "150",
        "p/u",
        "24/7",
        "geen ",
        "hotel",
        "Den Haag",
        "1\ufe0f\u20e3",
        "O",
        "l",
        "jong",
        "🍒",
        "\u200b",
        "ß",
        "İ",
        "ﬁ",
        "\ud7ff",
        "\U0001f600",
        "'s-",
        "Lisa (",
        ")",
        ",",
        "\x00",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), PIECES), max_size=40).map("".join)
