"""Late messages after an outage: a late acknowledgement says sorry, and a run of late plain notices to one
place goes out as one message."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from supportbot.domain import texts
from supportbot.services.outbox import OutboxItem, OutboxKind

FOLD_MAX_ROWS = 10
FOLD_MAX_CHARS = 1500  # a folded message stays well within one Discord message (2,000 characters)


def is_ack(item: OutboxItem) -> bool:
    """An acknowledgement: the ticket's first card, answering the report."""
    return item.kind is OutboxKind.CARD and item.reply_to is not None


def foldable(item: OutboxItem, stale_before: datetime) -> bool:
    """A late plain notice that says nothing more when read in a list: no one tagged, no reply, no direct message."""
    return (item.kind is OutboxKind.MESSAGE and item.created_at < stale_before and not item.mentions
            and not item.payload and item.reply_to is None)


def fold_run(rows: list[OutboxItem], start: int, stale_before: datetime) -> list[OutboxItem]:
    """The rows from `start` that go out as one message: a run of late plain notices to the same place,
    or just the row at `start`."""
    first = rows[start]
    if not foldable(first, stale_before):
        return [first]
    run, size = [first], len(first.text)
    for row in rows[start + 1:]:
        size += len(row.text) + 2
        if (len(run) >= FOLD_MAX_ROWS or size > FOLD_MAX_CHARS or row.thread_id != first.thread_id
                or not foldable(row, stale_before)):
            break
        run.append(row)
    return run


def late_apology(item: OutboxItem, platform: str, now: datetime) -> str:
    """'Sorry for the delay …' for a message that waited since it was queued."""
    minutes = max(1, int((now - item.created_at).total_seconds() // 60))
    duration = f"{minutes} minute" + ("" if minutes == 1 else "s")
    return texts.LATE_APOLOGY.format(platform=platform.capitalize(), duration=duration)


def folded_text(group: list[OutboxItem], platform: str, now: datetime) -> str:
    """One message for a run of late notices: the apology, then each notice as it was, oldest first."""
    return "\n\n".join([late_apology(group[0], platform, now), *(row.text for row in group)])


def outgoing(item: OutboxItem, group: list[OutboxItem], platform: str, now: datetime,
             stale_before: datetime) -> OutboxItem:
    """What is actually sent for a row: a late acknowledgement says sorry; a folded run is one message."""
    if len(group) > 1:
        return replace(item, text=folded_text(group, platform, now))
    if is_ack(item) and item.created_at < stale_before:
        return replace(item, text=f"{item.text}\n\n{late_apology(item, platform, now)}")
    return item
