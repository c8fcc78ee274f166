"""/board/metrics: the /stats figures and four server-drawn charts for a product and period, for the team."""

from __future__ import annotations

import re
from dataclasses import replace

from tests.web.conftest import WebWorld

REPORTS = ["The stake button does nothing on Chrome", "Rewards page shows zero since yesterday",
           "Unstake fails with execution reverted", "The juror list is empty on mobile"]


def charts(page: str) -> list[str]:
    """Each chart's SVG, in the page's order: opened per day, backlog, first response, breaches."""
    return re.findall(r'<svg class="chart".*?</svg>', page, re.S)


def titles(svg: str, mark: str) -> list[str]:
    """The `label: value` tooltips of a chart's bars (mark "rect") or points (mark "circle")."""
    return re.findall(rf'<{mark} class="[a-z]+"[^>]*><title>([^<]*)</title>', svg)


async def seed(world: WebWorld, clock) -> None:
    """Two reports on Monday, one on Tuesday (answered after two hours), one on Thursday; #1 resolved on Thursday."""
    await world.say("/as Erin", "/in court", REPORTS[0], REPORTS[1])
    clock.advance(days=1)
    await world.say(REPORTS[2])
    clock.advance(hours=2)
    await world.say("/as Alice", "/take 3")
    clock.advance(days=2)
    await world.say("/as Erin", REPORTS[3], "/as Alice", "/resolve 1 fixed")
    clock.advance(days=1)  # Friday


async def world_stats(world: WebWorld) -> list[str]:
    """What /stats says in chat for court over the week."""
    return [line for line in await world.say("/as Bob", "/stats court week") if "Support metrics" in line]


async def test_the_metrics_page_wants_a_signed_in_team_member(web_world: WebWorld) -> None:
    response = await web_world.client.get("/board/metrics?product=court", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/board/signin"


async def test_the_page_shows_the_stats_figures_and_a_bar_per_day(web_world: WebWorld, clock) -> None:
    await seed(web_world, clock)
    await web_world.sign_in("Bob")
    response = await web_world.client.get("/board/metrics?product=court&period=week")
    assert response.status == 200
    page = await response.text()
    assert "Issues opened</th><td>4 (0.6 a day)" in page and "Backlog (open at the end)</th><td>3" in page
    [stats] = await world_stats(web_world)
    for line in stats.splitlines()[1:]:  # the same figures as /stats, line by line
        what, _, value = line.strip().partition(": ")
        assert f"{what}</th><td>{value}</td>" in page, line
    assert "<script>" not in page and "style=" not in page
    opened, backlog, first_response, breaches = charts(page)
    # A week back from Friday Dec 11: Dec 4 to Dec 11, one bar a day.
    assert titles(opened, "rect") == ["Dec 04: 0", "Dec 05: 0", "Dec 06: 0", "Dec 07: 2", "Dec 08: 1", "Dec 09: 0",
                                      "Dec 10: 1", "Dec 11: 0"]
    assert titles(backlog, "circle") == ["Dec 04: 0", "Dec 05: 0", "Dec 06: 0", "Dec 07: 2", "Dec 08: 3",
                                         "Dec 09: 3", "Dec 10: 3", "Dec 11: 3"]
    assert titles(first_response, "rect")[:3] == ["≤15m: 0", "≤1h: 0", "≤4h: 1"]
    assert len(titles(breaches, "rect")) == 8


async def test_breaches_are_drawn_on_the_day_the_sweep_reported_them(web_world: WebWorld, clock) -> None:
    await web_world.say("/as Erin", "/in court", REPORTS[0])
    clock.advance(days=2)
    assert web_world.app.sweeper is not None
    await web_world.app.sweeper.sweep()
    await web_world.sign_in("Carol")
    page = await (await web_world.client.get("/board/metrics?period=week")).text()
    assert "Dec 09: 1" in titles(charts(page)[3], "rect")


async def test_bad_product_or_period_is_a_one_line_400(web_world: WebWorld) -> None:
    await web_world.sign_in("Bob")
    for query, said in (("product=nope", "Unknown product 'nope'; pick one of: court, curate."),
                        ("period=fortnight", "Unknown period 'fortnight'; pick one of: day, week, month, quarter, year.")):
        response = await web_world.client.get(f"/board/metrics?{query}")
        assert (response.status, await response.text()) == (400, said)


async def test_a_product_name_is_escaped_in_the_page_and_its_charts(web_world: WebWorld) -> None:
    desk = web_world.app.desk
    hostile = '"><script>alert(1)</script>'
    products = tuple(replace(p, name=hostile) if p.key == "court" else p for p in desk.directory.products)
    desk.deps = replace(desk.deps, directory=replace(desk.directory, products=products))
    await web_world.sign_in("Bob")
    page = await (await web_world.client.get("/board/metrics?product=court")).text()
    assert "<script>alert" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page
    assert all("&lt;script&gt;" in svg for svg in charts(page))
