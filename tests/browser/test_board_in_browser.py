"""The team board in a real browser: the /dashboard link typed in the console signs in, the columns refresh
themselves when a report arrives, a status change on a ticket's page edits the card in the chat, and the board
fits a phone's width."""

from __future__ import annotations

import re

from supportbot.web import board
from tests.browser.conftest import LiveWorld, screenshot_path

PHONE = {"width": 375, "height": 740}


async def test_the_dashboard_link_signs_in_and_the_board_works_the_ticket(live_world: LiveWorld, page,
                                                                         monkeypatch) -> None:
    monkeypatch.setattr(board, "REFRESH_SECONDS", 1)  # the page's own refresh, sooner
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    await live_world.say("/as Erin", "/in court", "My stake is stuck on the withdraw page since Monday")
    printed = "\n".join(await live_world.say("/as Alice", "/in team", "/dashboard"))
    link = re.search(r"http://\S+/login/\S+", printed)
    assert link, printed

    await page.goto(link.group())
    await page.wait_for_url(f"{live_world.url}/board")
    received = page.locator(".product", has_text="Court v2").locator(".status-received")
    assert await received.locator(".card", has_text="#1 My stake is stuck").count() == 1

    await live_world.say("/as Dave", "/in court", "The juror list is empty after I connect my wallet")
    await received.locator(".card", has_text="#2 The juror list is empty").wait_for(timeout=5000)  # no reload

    await page.click("text=#1 My stake is stuck")
    await page.wait_for_url(f"{live_world.url}/board/tickets/1")
    await page.select_option("select[name=status]", "in_progress")
    start = len(live_world.printed)
    await page.click("text=Move")
    await page.wait_for_url(f"{live_world.url}/board/tickets/1")
    assert await page.locator(".flash.done").count() == 1
    await live_world.chat.flush()
    assert any("✏️" in line and "⭕️ Ticket #1" in line for line in live_world.printed[start:])

    await page.set_viewport_size(PHONE)
    await page.goto(f"{live_world.url}/board")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=screenshot_path("board-phone.png"), full_page=True)
    await page.goto(f"{live_world.url}/board/tickets/1")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=screenshot_path("board-ticket-phone.png"), full_page=True)
    assert blocked == []
