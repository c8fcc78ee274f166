"""The public tracker in a real browser: a report typed in the console chat shows up at /, its page opens
from the list, and both fit a phone's width without sideways scrolling."""

from __future__ import annotations

from tests.browser.conftest import LiveWorld, screenshot_path

PHONE = {"width": 375, "height": 740}
LONG = "Withdrawing_from_the_court_page_fails_with_an_error_" * 3  # one word wider than a phone


async def test_a_console_report_appears_on_the_tracker_and_fits_a_phone(live_world: LiveWorld, page) -> None:
    await live_world.say("/as Erin", "/in court", "My stake is stuck on the withdraw page",
                         f"{LONG} on mobile", "/as Alice", ">>2 We can reproduce it, a fix is coming",
                         "/status 1 in_progress")
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    await page.set_viewport_size(PHONE)

    await page.goto(f"{live_world.url}/")
    assert await page.locator("td.title a", has_text="My stake is stuck on the withdraw page").count() == 1
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=screenshot_path("tracker-phone.png"), full_page=True)

    await page.click("text=My stake is stuck on the withdraw page")
    await page.wait_for_url(f"{live_world.url}/tickets/1")
    assert await page.locator("li.reply", has_text="Support team: We can reproduce it").count() == 1
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=screenshot_path("tracker-ticket-phone.png"), full_page=True)
    assert blocked == []  # nothing refused by the page's security policy
