"""Geometry for the research pages' inline SVG charts: no script, no external file, no inline style.

Python works out where bars and points go; the templates
(``templates/research/_charts.html``) draw them with presentation attributes
and put every word through gettext. A suppressed cell (``"<10"``) is drawn as
a hatched stub with its label, never as a length that would reveal it.
"""

from __future__ import annotations

import msgspec

from signalement.metrics.stats import Cell

WIDTH = 640
LABEL_WIDTH = 170
VALUE_WIDTH = 90
ROW = 26
PLOT = WIDTH - LABEL_WIDTH - VALUE_WIDTH


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    text: str
    y: int
    length: float  # pixels
    suppressed: bool = False
    low: float | None = None  # pixels from the plot's left edge (interval whisker)
    high: float | None = None


class BarChart(msgspec.Struct, frozen=True, kw_only=True):
    bars: list[Bar]
    height: int
    plot_x: int = LABEL_WIDTH
    plot_width: int = PLOT
    value_x: int = LABEL_WIDTH + PLOT + 6
    width: int = WIDTH


def _bar_chart(bars: list[Bar]) -> BarChart:
    return BarChart(bars=bars, height=max(ROW, len(bars) * ROW + 8))


def count_bars(items: list[tuple[str, Cell]]) -> BarChart:
    """Bars proportional to counts; a suppressed count is a short hatched stub."""
    largest = max((v for _, v in items if isinstance(v, int)), default=0) or 1
    bars = []
    for i, (label, value) in enumerate(items):
        suppressed = not isinstance(value, int)
        length = 4.0 if suppressed else PLOT * int(value) / largest
        bars.append(Bar(label=label, text=str(value), y=4 + i * ROW, length=length, suppressed=suppressed))
    return _bar_chart(bars)


def rate_bars(items: list[tuple[str, float | None, float | None, float | None]]) -> BarChart:
    """Bars for rates (0 to 1), with an interval whisker when one is given; ``None`` is "not shown"."""
    bars = []
    for i, (label, rate, low, high) in enumerate(items):
        if rate is None:
            bars.append(Bar(label=label, text="", y=4 + i * ROW, length=4.0, suppressed=True))
            continue
        bars.append(Bar(label=label, text=f"{rate:.0%}", y=4 + i * ROW, length=PLOT * rate,
                        low=None if low is None else PLOT * low, high=None if high is None else PLOT * high))
    return _bar_chart(bars)


class Point(msgspec.Struct, frozen=True, kw_only=True):
    x: float
    y: float
    label: str
    text: str


class LineChart(msgspec.Struct, frozen=True, kw_only=True):
    points: list[Point]
    polyline: str
    height: int = 180
    width: int = WIDTH
    top: int = 10
    bottom: int = 150
    left: int = 40
    right: int = WIDTH - 10


def share_line(items: list[tuple[str, float | None]]) -> LineChart:
    """A line of shares (0 to 1) over periods; periods whose share is withheld are skipped."""
    chart = LineChart(points=[], polyline="")
    span = max(1, len(items) - 1)
    points = []
    for i, (label, share) in enumerate(items):
        if share is None:
            continue
        x = chart.left + (chart.right - chart.left) * i / span
        y = chart.bottom - (chart.bottom - chart.top) * share
        points.append(Point(x=round(x, 1), y=round(y, 1), label=label, text=f"{share:.0%}"))
    return msgspec.structs.replace(chart, points=points, polyline=" ".join(f"{p.x},{p.y}" for p in points))
