"""The team board: columns per product with SLA countdowns, filters, security tickets for the security team
alone, a ticket's page with its whole history, and actions that go through the desk as chat commands do."""

from __future__ import annotations

import re

import pytest

from supportbot.domain import texts
from tests.web.conftest import WebWorld

STUCK = "My stake is stuck since the upgrade on Chrome, account 0x52908400098527886E0F7030069857D2E4169EE7"
LEAK = "I found a security vulnerability in the vault: funds can be drained"


def column(page: str, status: str) -> str:
    """The HTML of one status column (of the first product shown)."""
    found = re.search(rf'<div class="column status-{status}">(.*?)</div>\s*(?:<div class="column|</div>)', page, re.S)
    assert found, page
    return found.group(1)


async def page(world: WebWorld, path: str, status: int = 200) -> str:
    response = await world.client.get(path, allow_redirects=False)
    assert response.status == status, await response.text()
    return await response.text()


async def csrf(world: WebWorld, number: int) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', await page(world, f"/board/tickets/{number}"))
    assert found
    return found.group(1)


async def act(world: WebWorld, number: int, action: str, **form: str) -> list[str]:
    """Post one of a ticket page's forms; what the console chat then shows."""
    start = len(world.printed)
    response = await world.client.post(f"/board/tickets/{number}/{action}",
                                       data={"csrf": await csrf(world, number), **form}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == f"/board/tickets/{number}"
    await world.chat.flush()
    return world.printed[start:]


async def test_a_report_shows_in_the_received_column_with_its_first_response_countdown(web_world: WebWorld,
                                                                                        clock) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    await web_world.sign_in("Bob")
    board = await page(web_world, "/board")
    received = column(board, "received")
    assert "#1 My stake is stuck" in received and "unassigned" in received and "🐛 normal" in received
    assert "first response in 1d 0h" in received and "breached" not in received  # Mon 10:00 → Tue 10:00
    assert "#1" not in column(board, "in_progress")
    assert '<script src="/static/board.js"' in board and "<script>" not in board
    assert 'href="/board/metrics"' in board

    clock.advance(hours=24, minutes=5)
    await web_world.sign_in("Bob")  # a session lasts 12 hours
    late = column(await page(web_world, "/board"), "received")
    assert "is-breached" in late and "breached: first response was due 5m ago" in late


async def test_an_emergency_is_breached_after_its_hour(web_world: WebWorld, clock) -> None:
    await web_world.say("/as Erin", "/in court", "/emergency The vault page is down for everyone, funds stuck")
    await web_world.sign_in("Bob")
    assert "first response in 1h 0m" in column(await page(web_world, "/board"), "received")
    clock.advance(minutes=61)
    assert "breached: first response was due 1m ago" in await page(web_world, "/board?breached=1")


async def test_filters_by_product_severity_mine_and_breached(web_world: WebWorld, clock) -> None:
    await web_world.say("/as Erin", "/in court", STUCK,
                        "/in curate", "The curate list never loads the second page on Firefox, any idea?",
                        "/in court", "/emergency Court v2 jurors cannot vote at all, the button errors out")
    await web_world.say("/as Bob", "/in team", "/take 2")
    await web_world.sign_in("Bob")

    def numbers(html: str) -> set[int]:
        return {int(n) for n in re.findall(r'data-ticket="(\d+)"', html)}

    assert numbers(await page(web_world, "/board")) == {1, 2, 3}
    assert numbers(await page(web_world, "/board?product=court")) == {1, 3}
    assert numbers(await page(web_world, "/board?severity=emergency")) == {3}
    assert numbers(await page(web_world, "/board?mine=1")) == {2}
    assert numbers(await page(web_world, "/board?breached=1")) == set()
    clock.advance(minutes=90)
    assert numbers(await page(web_world, "/board?breached=1")) == {3}
    assert numbers(await page(web_world, "/board/fragment?product=curate")) == {2}

    unknown = await page(web_world, "/board?product=nope&severity=high", status=400)
    assert texts.NO_SUCH_FILTER.format(what="product", value="nope") in unknown.replace("&#39;", "'")
    assert numbers(unknown) == {1, 2, 3}


async def test_the_fragment_is_the_columns_alone_and_refuses_without_a_session(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    assert (await web_world.client.get("/board/fragment")).status == 401
    await web_world.sign_in("Alice")
    fragment = await page(web_world, "/board/fragment")
    assert "#1 My stake is stuck" in fragment and "<html" not in fragment
    script = await web_world.client.get("/static/board.js")
    assert script.status == 200 and "/board/fragment" in await script.text()


async def test_a_security_ticket_is_for_the_security_team_alone(web_world: WebWorld) -> None:
    await web_world.say("/as Dave", "/in court", LEAK)
    await web_world.sign_in("Bob")
    board = await page(web_world, "/board")
    assert "vulnerability" not in board and "(0)" in board and "data-ticket" not in board
    assert "vulnerability" not in await page(web_world, "/board/fragment")
    await page(web_world, "/board/tickets/1", status=404)
    token = await csrf_of_board(web_world)
    refused = await web_world.client.post("/board/tickets/1/take", data={"csrf": token}, allow_redirects=False)
    assert refused.status == 404

    await web_world.sign_in("Sam")
    assert "vulnerability" in column(await page(web_world, "/board"), "received")
    assert LEAK in await page(web_world, "/board/tickets/1")


async def csrf_of_board(world: WebWorld) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', await page(world, "/board"))
    assert found
    return found.group(1)


async def test_the_ticket_page_holds_the_whole_history_escaped(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", 'The vault shows <script>alert(1)</script> and "><img src=x onerror=alert(2)>')
    await web_world.say(">>1 Also happens on Firefox, still stuck")
    await web_world.say("/as Alice", "/in team", "/note 1 Erin's account is on the old contract")
    await web_world.sign_in("Bob")
    ticket = await page(web_world, "/board/tickets/1")
    assert "<script>alert(1)</script>" not in ticket and "&lt;script&gt;alert(1)&lt;/script&gt;" in ticket
    assert "<img src=x" not in ticket
    assert "Also happens on Firefox" in ticket  # the reporter's message
    assert "Erin&#39;s account is on the old contract" in ticket  # the internal note
    assert "&lt;script&gt;" in await page(web_world, "/board")
    await page(web_world, "/board/tickets/99", status=404)
    await page(web_world, "/board/tickets/abc", status=404)


async def test_take_edits_the_card_and_tells_the_reporter_as_the_chat_command_does(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    await web_world.sign_in("Bob")
    shown = await act(web_world, 1, "take")
    assert any("[court] ✏️ #2 now reads: 🔴 Ticket #1 received" in line and "Assigned to Bob" in line
               for line in shown)
    assert any(line.startswith("[court] #") and "✋ Ticket #1 taken by Bob." in line for line in shown)
    ticket = await page(web_world, "/board/tickets/1")
    assert 'class="flash done">✋ Ticket #1 taken by Bob.' in ticket
    assert "flash" not in await page(web_world, "/board/tickets/1")  # shown once
    assert "Bob" in column(await page(web_world, "/board"), "received")


async def test_each_action_changes_the_ticket_through_the_desk(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    await web_world.sign_in("Alice")

    await act(web_world, 1, "assign", person="Bob")
    assert "Bob" in column(await page(web_world, "/board"), "received")
    shown = await act(web_world, 1, "status", status="in_progress", note="looking at the logs")
    assert any("⭕️" in line and "#1" in line for line in shown)
    assert "#1" in column(await page(web_world, "/board"), "in_progress")
    quiet = await act(web_world, 1, "note", text="Probably the indexer")
    assert not any(line.startswith("[court]") for line in quiet)  # internal: the reporter hears nothing
    assert "Probably the indexer" in await page(web_world, "/board/tickets/1")
    await act(web_world, 1, "severity", severity="emergency")
    assert "🚨 emergency" in column(await page(web_world, "/board"), "in_progress")
    shown = await act(web_world, 1, "resolve", reason="fixed", note="indexer restarted")
    assert any(line.startswith("[court]") and "🟢" in line for line in shown)
    resolved = column(await page(web_world, "/board"), "resolved")
    assert "#1" in resolved and "resolved &lt;1m ago" in resolved
    await act(web_world, 1, "reopen")
    assert "#1" in column(await page(web_world, "/board"), "received")


async def test_a_refused_action_is_said_on_the_page_and_changes_nothing(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    await web_world.sign_in("Alice")
    assert await act(web_world, 1, "status", status="done") == []
    assert texts.NOT_A_CHOICE.format(value="done", what="status") in (
        await page(web_world, "/board/tickets/1")).replace("&#39;", "'")
    assert await act(web_world, 1, "assign", person="Mallory") == []
    assert "I don&#39;t know anyone called" in await page(web_world, "/board/tickets/1")
    assert "#1" in column(await page(web_world, "/board"), "received")
    assert "unassigned" in column(await page(web_world, "/board"), "received")


async def test_a_note_holding_a_seed_phrase_is_refused_as_in_chat(web_world: WebWorld) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    await web_world.sign_in("Alice")
    phrase = " ".join(["abandon"] * 11 + ["about"])
    assert await act(web_world, 1, "note", text=f"his words: {phrase}") == []
    ticket = await page(web_world, "/board/tickets/1")
    assert texts.SECRET_IN_COMMAND.replace("'", "&#39;") in ticket and "abandon" not in ticket


@pytest.mark.parametrize("token", [None, "forged"])
async def test_a_post_without_the_forms_token_is_refused_and_changes_nothing(web_world: WebWorld,
                                                                          token: str | None) -> None:
    await web_world.say("/as Erin", "/in court", STUCK)
    await web_world.sign_in("Alice")
    data = {} if token is None else {"csrf": token}
    response = await web_world.client.post("/board/tickets/1/take", data=data, allow_redirects=False)
    assert response.status == 403
    await web_world.chat.flush()
    assert "unassigned" in column(await page(web_world, "/board"), "received")
    assert not any("taken by" in line for line in web_world.printed)
