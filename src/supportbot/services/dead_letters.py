"""Parked events (dead letters): an event that cannot be handled is stored raw with its error, so the
others go on and nothing a user sent is lost; an operator lists, shows, replays or drops it."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence

from supportbot.domain import texts
from supportbot.domain.sanitize import clean_text, storable_id
from supportbot.domain.secret_detection import redact
from supportbot.services.ports import Clock, DeadLetter, UnitOfWorkFactory

log = logging.getLogger(__name__)

PARKED, REPLAY, REPLAYED, DROPPED = "parked", "replay", "replayed", "dropped"
WAITING = (PARKED, REPLAY)  # what an operator still has to decide about
MAX_ERROR = 300
REPLAY_EVERY = 30.0  # seconds: how often a running bot looks for events marked for replay
MAX_REF = 100
# A quoted value in an error message may be what the user wrote (asyncpg quotes the bad argument).
_QUOTED = re.compile(r"""'[^']{24,}'|"[^"]{24,}\"""")



class LetterNotFound(Exception):
    """No parked event has that id."""

    def __init__(self, letter_id: int) -> None:
        super().__init__(texts.DEAD_LETTER_NOT_FOUND.format(id=letter_id))


class LetterNotWaiting(Exception):
    """The event was replayed or dropped already."""

    def __init__(self, letter: DeadLetter, action: str) -> None:
        super().__init__(texts.DEAD_LETTER_NOT_WAITING.format(id=letter.id, status=letter.status, action=action))


def describe(err: BaseException) -> str:
    """An error in one short line, for logs and the dead-letter list: its type and first line, without
    the SQL statement and parameters a database error carries (they hold what the user wrote)."""
    lines = str(err).strip().splitlines()
    first = lines[0].split("[SQL:")[0].strip() if lines else ""
    first = _QUOTED.sub("'…'", first)
    text = f"{type(err).__name__}: {first}" if first else type(err).__name__
    return clean_text(text)[:MAX_ERROR]


async def park(uow: UnitOfWorkFactory, clock: Clock, *, platform: str, kind: str, ref: str, payload: str,
               error: str, chat_id: int | None = None) -> int | None:
    """Store an event that could not be handled; its id, or None when that event was parked before.

    Raises when the database cannot store it: the caller must then keep the event (not confirm it)."""
    letter = DeadLetter(platform=platform, kind=kind, ref=clean_text(ref)[:MAX_REF], payload=clean_text(payload),
                        error=clean_text(error)[:MAX_ERROR], created_at=clock.now(), chat_id=storable_id(chat_id))
    async with uow() as work:
        letter_id = await work.dead_letters.park(letter)
        await work.commit()
    if letter_id is not None:
        log.error("%s %s %s (chat %s) parked as dead letter #%s after: %s; `supportbot dead-letters replay %s` "
                  "handles it again", platform, kind, letter.ref, letter.chat_id, letter_id, letter.error, letter_id)
    return letter_id


async def waiting(uow: UnitOfWorkFactory, *, everything: bool = False, limit: int = 1000) -> Sequence[DeadLetter]:
    """Parked events, oldest first: those still waiting for a decision, or all of them."""
    async with uow() as work:
        found = await work.dead_letters.list(limit=limit)
    return [letter for letter in found if everything or letter.status in WAITING]


async def get(uow: UnitOfWorkFactory, letter_id: int) -> DeadLetter:
    """One parked event; LetterNotFound for an unknown id."""
    async with uow() as work:
        letter = await work.dead_letters.get(letter_id)
    if letter is None:
        raise LetterNotFound(letter_id)
    return letter


def shown_payload(letter: DeadLetter) -> str:
    """The event as received, with seed phrases and private keys replaced by [redacted]."""
    return redact(letter.payload)


async def request_replay(uow: UnitOfWorkFactory, letter_id: int) -> DeadLetter:
    """Mark a parked event for replay; the running bot handles it again within its replay interval."""
    return await _move(uow, letter_id, REPLAY, "replayed")


async def drop(uow: UnitOfWorkFactory, letter_id: int) -> DeadLetter:
    """Give up on a parked event for good (it stays listed with --all)."""
    return await _move(uow, letter_id, DROPPED, "dropped")


async def _move(uow: UnitOfWorkFactory, letter_id: int, status: str, action: str) -> DeadLetter:
    async with uow() as work:
        letter = await work.dead_letters.get(letter_id)
        if letter is None:
            raise LetterNotFound(letter_id)
        if letter.status not in WAITING:
            raise LetterNotWaiting(letter, action)
        await work.dead_letters.set_status(letter_id, status)
        await work.commit()
    return letter


Rehandle = Callable[[DeadLetter], Awaitable[None]]


async def replay_requested(uow: UnitOfWorkFactory, clock: Clock, *, platform: str, rehandle: Rehandle) -> int:
    """Handle again each event of `platform` marked for replay: replayed when it works, parked again
    (logged with the new error) when not. Returns how many were replayed."""
    async with uow() as work:
        asked = await work.dead_letters.list(status=REPLAY, platform=platform)
    replayed = 0
    for letter in asked:
        assert letter.id is not None, "a dead letter listed from storage has its id"
        error: str | None
        try:
            await rehandle(letter)
        except Exception as err:
            log.error("dead letter #%s (%s %s %s) failed again: %s; parked again", letter.id, letter.platform,
                      letter.kind, letter.ref, describe(err))
            status, at, error = PARKED, None, describe(err)
        else:
            log.info("dead letter #%s (%s %s %s) replayed", letter.id, letter.platform, letter.kind, letter.ref)
            status, at, error, replayed = REPLAYED, clock.now(), None, replayed + 1
        async with uow() as work:
            await work.dead_letters.set_status(letter.id, status, at, error=error)
            await work.commit()
    return replayed
