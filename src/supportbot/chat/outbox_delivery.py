"""One outbox row handed to its platform: a message or card sent, a card edited where it shows, a message
deleted, a chart drawn into a picture first."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from supportbot.services.digest_chart import chart_png
from supportbot.services.outbox import Chart, ChatPlatform, Delivered, OutboxItem, OutboxKind, Photo, RetryLater
from supportbot.services.ports import UnitOfWorkFactory

CARD_ON_ITS_WAY = "the ticket's card is not delivered yet; edited once it is"
CARD_WAIT = 1.0  # seconds


async def deliver(platform: ChatPlatform, uow: UnitOfWorkFactory, item: OutboxItem) -> Delivered | None:
    """Carry out one row on the platform; what it returns for a new message (None for edits and deletes)."""
    if item.kind is OutboxKind.DELETE:
        await platform.delete(item)
        return None
    if item.kind is OutboxKind.EDIT_CARD:
        assert item.ticket_id is not None, "a card edit names its ticket"
        async with uow() as work:
            cards = [c for c in await work.messages.cards(item.ticket_id) if c.platform == platform.name]
            if not cards and await work.outbox.card_pending(platform.name, item.ticket_id):
                # The card may be on its way with the state before this change: edit it once it has arrived.
                raise RetryLater(CARD_ON_ITS_WAY, after=CARD_WAIT)
        for card in cards:
            await platform.edit(item, card)
        return None
    if isinstance(item.payload, Chart):
        item = await drawn(item, item.payload)
    return await platform.send(item)


async def drawn(item: OutboxItem, chart: Chart) -> OutboxItem:
    """A chart's row as the platform takes it: with the chart drawn into a PNG (in a thread: it takes a moment,
    and the first drawing imports matplotlib)."""
    png = await asyncio.to_thread(chart_png, chart.series, title=chart.title)
    return replace(item, payload=Photo(png, chart.filename))
