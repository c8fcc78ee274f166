"""Charts as SVG text: one mark per value, heights to scale, labels escaped, nothing that could run."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from supportbot.web.charts import HEIGHT, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall(f"{SVG}rect[@class='bar']")


def test_a_bar_chart_has_one_bar_per_value_with_heights_to_scale() -> None:
    svg = bar_chart("Tickets opened per day", [("Mon", 2), ("Tue", 0), ("Wed", 4)])
    drawn = bars(svg)
    assert len(drawn) == 3
    heights = [float(bar.get("height") or 0) for bar in drawn]
    assert heights[1] == 0 and heights[2] == 2 * heights[0] > 0
    assert [bar.find(f"{SVG}title").text for bar in drawn] == ["Mon: 2", "Tue: 0", "Wed: 4"]
    assert ET.fromstring(svg).find(f"{SVG}title").text == "Tickets opened per day"


def test_a_line_chart_has_a_point_per_value_and_higher_values_higher_up() -> None:
    svg = line_chart("Backlog", [("Mon", 1), ("Tue", 3), ("Wed", 2)])
    root = ET.fromstring(svg)
    points = root.findall(f"{SVG}circle[@class='point']")
    assert len(points) == 3
    ys = [float(p.get("cy") or 0) for p in points]
    assert ys[1] < ys[2] < ys[0] < HEIGHT  # SVG's y grows downwards
    assert len(root.find(f"{SVG}polyline").get("points", "").split()) == 3


def test_labels_and_titles_are_escaped() -> None:
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    for svg in (bar_chart(hostile, [(hostile, 1)]), line_chart(hostile, [(hostile, 1)])):
        assert "<script" not in svg and "<img" not in svg
        assert "&lt;script&gt;" in svg
        root = ET.fromstring(svg)  # still well-formed
        assert root.find(f"{SVG}title").text == hostile


def test_many_days_keep_every_bar_but_label_only_some() -> None:
    days = [(f"d{n}", n % 5) for n in range(91)]
    svg = bar_chart("A quarter", days)
    assert len(bars(svg)) == 91
    assert 1 < len(re.findall(r'<text class="label"', svg)) <= 12


def test_an_empty_chart_says_so() -> None:
    assert "no data" in bar_chart("Nothing", []) and "no data" in line_chart("Nothing", [])
    assert bars(bar_chart("Nothing", [])) == []


def test_all_zero_values_draw_flat_bars() -> None:
    assert [float(b.get("height") or 0) for b in bars(bar_chart("Quiet", [("a", 0), ("b", 0)]))] == [0.0, 0.0]
