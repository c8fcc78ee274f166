"""/healthz and /metrics show a chat whose outbox queue passed [outbox] max_per_chat (500 by default)."""

from __future__ import annotations

import sqlalchemy as sa

from supportbot.db.tables import outbox
from supportbot.services.outbox import OutboxItem, OutboxKind
from tests.web.conftest import WebWorld
from tests.web.test_ops import health, scrape, world  # noqa: F401 (pytest fixture)

TEAM = -100500


async def test_a_chat_past_its_bound_makes_healthz_503_and_shows_in_the_metrics(world: WebWorld, clock) -> None:  # noqa: F811
    async with world.app.database() as uow:  # a team chat its platform holds back, 501 messages waiting
        await uow.outbox.add_many([OutboxItem(platform="telegram", chat_id=TEAM, kind=OutboxKind.MESSAGE,
                                              text=f"notice {n}", created_at=clock.now()) for n in range(501)])
        await uow.commit()

    body = await health(world, 503)

    assert body["outbox"]["past_bound"] == [{"platform": "telegram", "chat_id": TEAM, "pending": 501}]
    assert body["problems"] == [f"outbox past its bound: 501 messages wait for telegram chat {TEAM} "
                                "([outbox] max_per_chat = 500); plain notices past it are folded"]
    figures = await scrape(world)
    assert figures[("supportbot_outbox_largest_chat_backlog", (("platform", "telegram"),))] == 501
    async with world.app.database() as uow:  # one goes out: back at the bound
        await uow.session.execute(sa.update(outbox).where(outbox.c.text == "notice 0").values(status="sent"))
        await uow.commit()
    assert "past_bound" not in (await health(world, 200))["outbox"]
