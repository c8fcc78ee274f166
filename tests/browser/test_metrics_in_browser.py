"""The metrics page in a real browser: its charts draw under the CSP (no script, no inline style), the product
and period form reloads it, and it fits a phone's width."""

from __future__ import annotations

import re

from tests.browser.conftest import LiveWorld, screenshot_path

PHONE = {"width": 375, "height": 740}


async def test_the_metrics_page_draws_its_charts_and_fits_a_phone(live_world: LiveWorld, page, clock) -> None:
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    await live_world.say("/as Erin", "/in court", "My stake is stuck on the withdraw page since Monday")
    clock.advance(days=1)
    await live_world.say("The juror list is empty after I connect my wallet", "/as Alice", "/take 2")
    printed = "\n".join(await live_world.say("/in team", "/dashboard"))
    link = re.search(r"http://\S+/login/\S+", printed)
    assert link, printed
    await page.goto(link.group())
    await page.wait_for_url(f"{live_world.url}/board")

    await page.click("text=Metrics")
    await page.wait_for_url(f"{live_world.url}/board/metrics")
    assert await page.locator("svg.chart").count() == 4
    await page.select_option("select[name=product]", "court")
    await page.select_option("select[name=period]", "month")
    await page.click("text=Show")
    await page.wait_for_url(f"{live_world.url}/board/metrics?product=court&period=month")
    assert "Court v2, last month" in await page.locator("h1").inner_text()
    first = page.locator("svg.chart").first
    assert await first.locator("rect.bar").count() == 31  # a bar a day, 30 days back and today
    box = await first.bounding_box()
    assert box is not None and box["height"] > 100  # drawn to the stylesheet's size, not collapsed

    await page.set_viewport_size(PHONE)
    await page.reload()
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=screenshot_path("metrics-phone.png"), full_page=True)
    assert blocked == []
