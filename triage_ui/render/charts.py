"""Tiny server-side SVG charts (no JS library, nothing external for the CSP to allow).

Functions return geometry (numbers and labels); ``templates/_charts.html`` draws it, so
labels are escaped by Jinja like any other text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    max_value: float
    horizontal: bool


def column_chart(points: list[tuple[str, float]], width: int = 640, height: int = 180) -> BarChart:
    """Vertical bars (time series); top 16 px hold the scale, bottom 20 px the date labels."""
    top = max((v for _, v in points), default=0) or 1
    head, plot_h, step = 16, height - 36, width / max(len(points), 1)
    bars = [
        Bar(
            label,
            value,
            i * step + 1,
            head + plot_h - plot_h * value / top,
            min(max(step - 2, 1), 40),
            plot_h * value / top,
        )
        for i, (label, value) in enumerate(points)
    ]
    return BarChart(width, height, bars, top, horizontal=False)


def row_chart(points: list[tuple[str, float]], width: int = 640, row: int = 22) -> BarChart:
    """Horizontal bars (categories); the left 200 px hold the labels."""
    top = max((v for _, v in points), default=0) or 1
    plot_w = width - 260
    bars = [
        Bar(label, value, 200, i * row + 2, max(plot_w * value / top, 1), row - 6)
        for i, (label, value) in enumerate(points)
    ]
    return BarChart(width, max(len(points), 1) * row + 4, bars, top, horizontal=True)
