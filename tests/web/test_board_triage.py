"""The team board shows the owner's triage: the priority on a ticket's column card and on its page."""

from __future__ import annotations

from tests.web.conftest import WebWorld
from tests.web.test_board import column, page

STUCK = "My stake is stuck since the upgrade on Chrome, account 0x52908400098527886E0F7030069857D2E4169EE7"


async def test_a_triaged_ticket_shows_its_priority_and_an_untriaged_one_says_so(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK, "/as Erin", "/in court", "The court page is blank on Firefox")
    await web_world.say("/as Carol", "/in team", "/priority 1 p2")
    await web_world.sign_in("Bob")

    received = column(await page(web_world, "/board"), "received")
    first = await page(web_world, "/board/tickets/1")
    second = await page(web_world, "/board/tickets/2")

    assert '<span class="tag priority">P2</span>' in received and received.count('class="tag priority"') == 1
    assert "<dt>Priority</dt><dd>P2</dd>" in first and "<dt>Priority</dt><dd>untriaged</dd>" in second
