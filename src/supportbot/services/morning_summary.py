"""The next-morning summary: at opening time on each business day, product owners hear of the normal tickets
still waiting for their priority (once a day, whatever the number of replicas; nothing when there are none)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from supportbot.domain import metrics, texts
from supportbot.domain.digest_schedule import day_of, local_instant
from supportbot.services.context import Deps
from supportbot.services.digest import text_parts
from supportbot.services.outbox import OutboxItem
from supportbot.services.ports import TicketLine

# Read at most this many untriaged tickets; each product's list shows the first MAX_LISTED of its own.
MAX_READ = 2000
MAX_LISTED = 20


class MorningSummary:
    """Tells each product's owners, in the product's digest chat or else the team chat with a mention, which of
    its open normal tickets have no priority yet: number, title and age."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def send_due(self) -> int:
        """Send today's summary if the business day has opened and it has not gone out; returns messages queued."""
        deps = self.deps
        now = deps.clock.now()
        calendar = deps.clocks.calendar
        today = day_of(now, calendar.zone)
        # Only during the business day it is for: a bot down all day does not send yesterday's list tonight.
        if not calendar.is_working_day(today) or not (
                local_instant(today, calendar.opens, calendar.zone) <= now
                < local_instant(today, calendar.closes, calendar.zone)):
            return 0
        key = f"morning-summary:{today.isoformat()}"
        async with deps.uow() as uow:
            if await uow.handled.has(key):
                return 0
            untriaged, _ = await uow.digest.untriaged(product=None, limit=MAX_READ)
            items = self._items(untriaged, now, key)
            # The day's key is stored even when nobody had anything to triage: the day is done.
            if not await uow.handled.add(key, now):
                return 0
            await uow.outbox.add_many(items)
            await uow.commit()
        return len(items)

    def _items(self, untriaged: Sequence[TicketLine], now: datetime, key: str) -> list[OutboxItem]:
        """One message per product with untriaged tickets, to its digest chat or the team chat."""
        deps = self.deps
        by_product: dict[str | None, list[TicketLine]] = defaultdict(list)
        for line in untriaged:
            by_product[line.product].append(line)
        items: list[OutboxItem] = []
        for product_key, lines in sorted(by_product.items(), key=lambda kv: kv[0] or ""):
            product = deps.directory.product(product_key) if product_key else None
            where = texts.MORNING_FOR.format(product=product.name) if product else ""
            listed = [texts.MORNING_TICKET.format(number=t.number, title=t.title, age=metrics.span(now - t.at))
                      for t in lines[:MAX_LISTED]]
            if len(lines) > MAX_LISTED:
                listed.append(texts.DIGEST_MORE.format(count=len(lines) - MAX_LISTED))
            text = texts.morning_summary(where, len(lines), listed)
            mentions = deps.notifier.owner_mentions(product.key if product else None)
            chats = product.digest_chats if product and product.digest_chats else deps.directory.team_chats
            for n, part in enumerate(text_parts(text)):  # the owners are tagged once, in the first part
                items += [deps.notifier.say(platform=platform, chat_id=chat_id, text=part,
                                            mentions=mentions if n == 0 else (),
                                            dedupe=f"{key}:{product_key or '-'}:{platform}:{chat_id}:{n}")
                          for platform, chat_id in sorted(chats.items())]
        return items
