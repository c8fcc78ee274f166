"""The GitHub links and pending calls on both engines: a ticket's links found by repository and number (any
case), the links still followed, merged PRs of 🟡 tickets, and the queue of calls with its back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.databases import migrated  # noqa: F401  (fixture)
from supportbot.bootstrap import App, build_app
from supportbot.bootstrap_rules import CONSOLE_PRODUCT_BASE
from supportbot.config import load_settings
from supportbot.db.engine import Database
from supportbot.domain.github_links import GithubRef, LinkKind
from supportbot.domain.people import Sender
from supportbot.domain.ticket_states import Status
from supportbot.services.github_ports import PendingCall
from supportbot.services.ports import IncomingMessage

DAVE = Sender("console", 4242, "dave")


@pytest.fixture
def app(clock, migrated: Database) -> App:
    return build_app(load_settings(None, env={}), {"console"}, clock=clock, database=migrated)


async def opened(app: App, count: int) -> list[int]:
    """Open `count` tickets in court; their storage ids."""
    for message_id in range(1, count + 1):
        await app.desk.handle_message(IncomingMessage("console", CONSOLE_PRODUCT_BASE, message_id, DAVE,
                                                      f"The stake button fails on page {message_id}",
                                                      app.deps.clock.now()))
    async with app.database() as uow:
        return [(await uow.tickets.by_number(n)).stored_id for n in range(1, count + 1)]


async def test_links_are_found_by_repository_and_number_whatever_the_case(app: App) -> None:
    first, second = await opened(app, 2)
    pull = GithubRef("Kleros/Court", 12)
    async with app.database() as uow:
        made = await uow.github.link(first, pull, "https://github.com/Kleros/Court/pull/12")
        again = await uow.github.link(first, GithubRef("kleros/court", 12), "https://github.com/kleros/court/pull/12")
        await uow.github.link(second, pull, "https://github.com/Kleros/Court/pull/12")
        await uow.github.link(second, GithubRef("kleros/court", 12, LinkKind.ISSUE), "https://x/issues/12")
        await uow.commit()

    async with app.database() as uow:
        linked = await uow.github.linked(GithubRef("KLEROS/court", 12))
        followed = await uow.github.followed()
    assert again.id == made.id
    assert [s.ticket_id for s in linked] == [first, second]
    assert len(followed) == 3  # none seen yet: all followed


async def test_merged_prs_of_fix_provided_tickets_and_finished_links(app: App) -> None:
    first, second = await opened(app, 2)
    async with app.database() as uow:
        for ticket_id in (first, second):
            stored = await uow.github.link(ticket_id, GithubRef("kleros/court", 12), "https://x/pull/12")
            stored.state, stored.merge_commit_sha = "merged", "a" * 40
            await uow.github.save(stored)
        ticket = await uow.tickets.get(first)
        ticket.move(Status.FIX_PROVIDED, app.deps.clock.now())
        await uow.commit()

    async with app.database() as uow:
        merged = await uow.github.merged_in("KLEROS/COURT")
        followed = await uow.github.followed()
    assert [s.ticket_id for s in merged] == [first]
    assert followed == []


async def test_calls_wait_their_turn_and_are_given_up(app: App, clock) -> None:
    [ticket_id] = await opened(app, 1)
    now = clock.now()
    async with app.database() as uow:
        await uow.github.queue(PendingCall("fetch", {"repo": "kleros/court", "number": 1}, ticket_id), now)
        await uow.github.queue(PendingCall("open_issue", {"repo": "kleros/court"}, ticket_id), now)
        await uow.commit()

    lease = timedelta(minutes=5)
    async with app.database() as uow:
        first, second = await uow.github.claim(now, lease)
        await uow.commit()
    async with app.database() as uow:
        assert await uow.github.claim(now + timedelta(minutes=4), lease) == []  # claimed: left alone meanwhile
        await uow.github.retry(first.id, now + timedelta(minutes=1), "502")
        await uow.github.give_up(second.id, "401")
        await uow.commit()
    async with app.database() as uow:
        assert await uow.github.claim(now, lease) == []
        [later] = await uow.github.claim(now + timedelta(minutes=1), lease)
        assert (later.attempts, later.last_error, later.payload) == (1, "502", {"repo": "kleros/court", "number": 1})
        assert await uow.github.waiting() == 1
        await uow.github.done(later.id)
        await uow.commit()
    async with app.database() as uow:
        assert await uow.github.waiting() == 0
