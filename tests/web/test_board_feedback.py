"""The team board shows what an in-progress ticket waits on, a 🟡 ticket's wait for its reporter, and the
reporter's rating on the ticket's page."""

from __future__ import annotations

import re

from tests.web.conftest import WebWorld
from tests.web.test_board import act, column, csrf, page

STUCK = "My stake is stuck since the upgrade on Chrome, account 0x52908400098527886E0F7030069857D2E4169EE7"


def number_of(printed: list[str], text: str) -> int:
    """The console number of the bot's message holding `text`."""
    line = next(line for line in reversed(printed) if text in line and "] #" in line)
    found = re.search(r"\] #(\d+) supportbot", line)
    assert found, line
    return int(found.group(1))


async def test_the_board_shows_the_sub_state_and_the_wait_for_the_reporter(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK, "/as Bob", "/status 1 in_progress pr_review")
    await web_world.sign_in("Bob")

    board = await page(web_world, "/board")
    assert '<span class="tag sub-state">PR in review</span>' in column(board, "in_progress")
    ticket = await page(web_world, "/board/tickets/1")
    assert "<dd>in progress · PR in review</dd>" in ticket

    await web_world.say("/status 1 fix_provided")
    waiting = column(await page(web_world, "/board"), "fix_provided")
    assert "closes as fixed in 3d 0h" in waiting and "sub-state" not in waiting  # Mon 10:00 + 3 business days
    assert "<dt>Closes as fixed without an answer</dt>" in await page(web_world, "/board/tickets/1")


async def test_the_ticket_page_shows_the_rating_and_its_comment(web_world: WebWorld) -> None:
    printed = await web_world.say("/as Erin", "/in court", STUCK, "/as Bob", "/resolve 1 fixed", "/as Erin")
    ask = number_of(printed, "How did we do?")
    await web_world.say(f"/click {ask} rate_5", f">>{ask} Fast <and> kind")
    await web_world.sign_in("Bob")

    ticket = await page(web_world, "/board/tickets/1")

    assert '<dd class="rating">Rating: 5/5 — &#34;Fast &lt;and&gt; kind&#34;</dd>' in ticket
    assert "comment: Fast &lt;and&gt; kind" in ticket  # and in the history


async def test_the_status_form_sets_the_sub_state_and_leaves_it_out_of_other_moves(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    await web_world.sign_in("Bob")

    moved = await act(web_world, 1, "status", status="in_progress", sub_state="deploying", note="")
    assert any("⭕️ Ticket #1 in progress · deploying" in line for line in moved)
    form = await page(web_world, "/board/tickets/1")
    assert '<option value="deploying" selected>deploying</option>' in form

    await act(web_world, 1, "status", status="fix_provided", sub_state="deploying", note="")
    assert "<dd>fix provided</dd>" in await page(web_world, "/board/tickets/1")
    refused = await web_world.client.post("/board/tickets/1/status", data={
        "csrf": await csrf(web_world, 1), "status": "in_progress", "sub_state": "shipping"}, allow_redirects=False)
    assert refused.status == 303
    assert "&#39;shipping&#39; is not a sub-state" in await page(web_world, "/board/tickets/1")
