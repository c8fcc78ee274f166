"""Telegram's flood limits counted in PostgreSQL, so that several replicas together stay within the one
budget Telegram grants the bot (30 a second overall, about 1 a second per chat, 20 a minute per group).

Each send is one statement in its own short transaction: it locks the chat's row and the bot's row (always
in the same order, so two replicas never deadlock), works out how long the message must wait under every
window and 429 hold, and records the send only when it may go now (or, for a direct reply, books the slot
it waits for). The first send to a chat ever adds its row, then asks again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from supportbot.db.tables import send_budgets
from supportbot.services.outbox import Throttled
from supportbot.services.send_budget import FloodLimits, SendBudget, is_group

log = logging.getLogger(__name__)

PLATFORM = "telegram"
UNREACHABLE = (SQLAlchemyError, OSError, asyncio.TimeoutError)

# The latest send times are kept newest first, so sent[n] is the n-th latest: a window of `limit` messages
# in `seconds` is full until sent[limit] + seconds (NULL, ignored by GREATEST, while fewer were sent).
TAKE = sa.text("""
WITH locked AS (
    SELECT scope, sent, held_until FROM send_budgets
    WHERE scope IN (:chat, :overall) ORDER BY scope FOR UPDATE
), found AS (
    SELECT count(*) AS rows,
           GREATEST(0, MAX(CASE WHEN scope = :overall THEN sent[:overall_n] + :overall_s
                                ELSE GREATEST(sent[:chat_n] + :chat_s, CASE WHEN :grouped THEN sent[:group_n] + :group_s END)
                           END) - CAST(:now AS float8)) AS window_wait,
           MAX(held_until) - CAST(:now AS float8) AS hold_wait
    FROM locked
), verdict AS (
    SELECT rows, GREATEST(CASE WHEN window_wait > 0 THEN window_wait + :margin ELSE 0 END, hold_wait, 0) AS wait
    FROM found
), taken AS (
    UPDATE send_budgets AS b
    SET sent = ARRAY(SELECT t FROM unnest(array_prepend(CAST(:now AS float8) + v.wait, b.sent)) AS t
                     ORDER BY t DESC LIMIT CASE WHEN b.scope = :overall THEN :overall_n ELSE :chat_keep END)
    FROM verdict AS v
    WHERE b.scope IN (:chat, :overall) AND v.rows = 2 AND (v.wait = 0 OR :book)
    RETURNING b.scope
)
SELECT rows, wait FROM verdict
""")


class SharedFloodLimiter(SendBudget):
    """The bot's sends counted in PostgreSQL for every replica; the clock must be one all replicas share
    (the wall clock, kept by NTP: the margin absorbs a skew of a fraction of it). While the database
    cannot be reached, `fallback` (this process's own limiter) decides, and one warning says so."""

    def __init__(self, engine: AsyncEngine, limits: FloodLimits, *, fallback: SendBudget,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")  # one statement, one transaction
        self.limits = limits
        self.fallback = fallback
        self.clock = clock
        self._unreachable = False

    async def take(self, chat_id: int) -> None:
        try:
            wait = await self._ask(chat_id, book=False)
        except UNREACHABLE as err:
            self._lost(err)
            return await self.fallback.take(chat_id)
        if wait > 0:
            raise Throttled(wait)

    async def reserve(self, chat_id: int) -> float:
        try:
            return await self._ask(chat_id, book=True)
        except UNREACHABLE as err:
            self._lost(err)
            return await self.fallback.reserve(chat_id)

    async def hold(self, chat_id: int | None, seconds: float) -> None:
        await self.fallback.hold(chat_id, seconds)  # this process holds off even if the row cannot be written
        until = self.clock() + seconds
        statement = insert(send_budgets).values(scope=_scope(chat_id), sent=[], held_until=until)
        statement = statement.on_conflict_do_update(
            index_elements=[send_budgets.c.scope],
            set_={"held_until": sa.func.greatest(send_budgets.c.held_until, statement.excluded.held_until)})
        try:
            async with self.engine.connect() as conn:
                await conn.execute(statement)
        except UNREACHABLE as err:
            self._lost(err)

    async def _ask(self, chat_id: int, *, book: bool) -> float:
        """Seconds the message must wait (0: recorded as sent now; with `book`, recorded at its slot)."""
        lim = self.limits
        params = dict(chat=_scope(chat_id), overall=_scope(None), now=self.clock(), book=book,
                      grouped=is_group(chat_id), margin=lim.margin,
                      overall_n=lim.overall.limit, overall_s=lim.overall.seconds,
                      chat_n=lim.per_chat.limit, chat_s=lim.per_chat.seconds,
                      group_n=lim.per_group.limit, group_s=lim.per_group.seconds,
                      chat_keep=max(lim.per_chat.limit, lim.per_group.limit))
        async with self.engine.connect() as conn:
            rows, wait = (await conn.execute(TAKE, params)).one()
            if rows < 2:  # the first message to this chat (or the bot's first ever): add the rows, ask again
                await conn.execute(insert(send_budgets).values(
                    [{"scope": params["chat"], "sent": [], "held_until": 0.0},
                     {"scope": params["overall"], "sent": [], "held_until": 0.0}]).on_conflict_do_nothing())
                rows, wait = (await conn.execute(TAKE, params)).one()
        if self._unreachable:
            self._unreachable = False
            log.warning("send budget: the database answers again; the replicas share Telegram's limits again")
        return float(wait)

    def _lost(self, err: BaseException) -> None:
        if not self._unreachable:
            self._unreachable = True
            first_line = (str(err).splitlines() or [""])[0]
            log.warning("send budget: the database cannot be reached (%s: %s); this replica limits its own sends "
                        "meanwhile", type(err).__name__, first_line)


def _scope(chat_id: int | None) -> str:
    """The row a chat's sends (None: the bot's, over every chat) are counted in."""
    return PLATFORM if chat_id is None else f"{PLATFORM}:{chat_id}"
