"""Bar and line charts as SVG text, drawn on the server: no script, no inline style (colours come from
style.css by class), every label escaped here, so the result can go into a page as it is."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
HEIGHT = 220
LEFT = 40  # room for the axis values
BOTTOM = 36  # room for the labels under the bars
TOP = 12
MAX_LABELS = 8  # labels shown under the axis at most: a year of days would be unreadable


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(title: str, body: list[str], peak: float) -> str:
    """The SVG around the marks: title for screen readers, the axis and its top value."""
    base = HEIGHT - BOTTOM
    return "".join([
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(_number(peak))}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{base}" text-anchor="end">0</text>',
        *body,
        "</svg>",
    ])


def _label_every(count: int) -> int:
    return max(1, -(-count // MAX_LABELS))


def _scale(values: Sequence[float]) -> tuple[float, float]:
    """The axis's top value and pixels per unit."""
    peak = max([*values, 0.0]) or 1.0
    return peak, (HEIGHT - BOTTOM - TOP) / peak


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> str:
    """One bar per (label, value), labels under them (some skipped when there are many)."""
    if not bars:
        return _frame(title, [_empty()], 1.0)
    peak, per_unit = _scale([value for _, value in bars])
    slot = (WIDTH - LEFT) / len(bars)
    gap = min(4.0, slot / 5)
    every = _label_every(len(bars))
    body = []
    for index, (label, value) in enumerate(bars):
        height = value * per_unit
        x = LEFT + index * slot + gap / 2
        y = HEIGHT - BOTTOM - height
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot - gap:.1f}" height="{height:.1f}">'
                    f"<title>{escape(label)}: {escape(_number(value))}</title></rect>")
        if index % every == 0:
            body.append(_label(label, x + (slot - gap) / 2))
    return _frame(title, body, peak)


def line_chart(title: str, points: Sequence[tuple[str, float]]) -> str:
    """A line through (label, value) points in order, a dot on each."""
    if not points:
        return _frame(title, [_empty()], 1.0)
    peak, per_unit = _scale([value for _, value in points])
    step = (WIDTH - LEFT - 16) / max(1, len(points) - 1)
    every = _label_every(len(points))
    where = [(LEFT + 8 + index * step, HEIGHT - BOTTOM - value * per_unit) for index, (_, value) in enumerate(points)]
    body = [f'<polyline class="line" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in where)}"/>']
    for index, ((label, value), (x, y)) in enumerate(zip(points, where, strict=True)):
        body.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                    f"<title>{escape(label)}: {escape(_number(value))}</title></circle>")
        if index % every == 0:
            body.append(_label(label, x))
    return _frame(title, body, peak)


def _label(text: str, x: float) -> str:
    return f'<text class="label" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(text)}</text>'


def _empty() -> str:
    return f'<text class="tick" x="{(WIDTH + LEFT) / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle">no data</text>'
