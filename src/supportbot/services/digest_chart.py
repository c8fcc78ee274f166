"""The digest's chart: tickets opened and resolved per day as bars, the backlog as a line, drawn to PNG bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from supportbot.domain import texts

# 800 x 450 pixels: wide enough for a week's labels, small enough to read on a phone.
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.5, 100
OPENED_COLOUR, RESOLVED_COLOUR, BACKLOG_COLOUR = "#d9534f", "#5cb85c", "#337ab7"


@dataclass(frozen=True)
class DaySeries:
    """Per local day of the digest, oldest first: tickets opened, resolved, and open at the day's end."""

    days: tuple[date, ...]
    opened: tuple[int, ...]
    resolved: tuple[int, ...]
    backlog: tuple[int, ...]


def chart_png(series: DaySeries, *, title: str) -> bytes:
    """The series drawn as a PNG (WIDTH_INCHES x HEIGHT_INCHES at DPI)."""
    # Imported here: matplotlib takes about a second to import, and only the digest draws.
    import matplotlib

    matplotlib.use("Agg")  # no display: draw into memory
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    axes = figure.add_subplot()
    positions = range(len(series.days))
    width = 0.38
    axes.bar([p - width / 2 for p in positions], series.opened, width, label=texts.CHART_OPENED, color=OPENED_COLOUR)
    axes.bar([p + width / 2 for p in positions], series.resolved, width, label=texts.CHART_RESOLVED,
             color=RESOLVED_COLOUR)
    axes.plot(list(positions), series.backlog, marker="o", label=texts.CHART_BACKLOG, color=BACKLOG_COLOUR)
    axes.set_xticks(list(positions), [texts.chart_day(day) for day in series.days])
    axes.set_xlim(-0.6, max(len(series.days), 7) - 0.4)  # a week's width even for the first days of one
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    highest = max((*series.opened, *series.resolved, *series.backlog), default=0)
    axes.set_ylim(0, max(1, highest) * 1.3)  # room above the highest for the legend
    axes.set_ylabel(texts.CHART_AXIS)
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize="small")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)  # not bbox_inches="tight": the size stays as promised
    return out.getvalue()
