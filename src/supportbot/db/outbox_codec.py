"""How an outbox row's mentions and payload are stored: plain JSON, read back as the typed messages.

Rows queued by earlier versions (mentions carrying platform ids, a delete naming the security chats)
read back too: the extra keys are ignored and a role mention becomes the team mention."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date
from typing import Any

from supportbot.services.digest_chart import DaySeries
from supportbot.services.outbox import (
    CardButtons,
    Chart,
    DeleteMessage,
    DirectMessage,
    Mention,
    OutboxItem,
    OutboxKind,
    OutboxPayload,
    Photo,
)


def encode_mentions(mentions: Sequence[Mention]) -> list[dict[str, Any]]:
    return [{"name": m.name, "team": True} if m.team else {"name": m.name} for m in mentions]


def decode_mentions(stored: Sequence[dict[str, Any]] | None) -> tuple[Mention, ...]:
    return tuple(
        Mention(str(m.get("name") or "?"), team=bool(m.get("team") or m.get("discord_role_id") is not None))
        for m in stored or ()
    )


def encode_payload(payload: OutboxPayload) -> dict[str, Any]:
    match payload:
        case CardButtons(ticket_number=number, actions=actions):
            return {"ticket_number": number, "buttons": list(actions)}
        case DirectMessage(user_id=user_id, fallback_text=fallback, forget_text=forget):
            return {"direct_to": user_id, "fallback_text": fallback, **({"forget_text": True} if forget else {})}
        case DeleteMessage(message_id=message_id):
            return {"message_id": message_id}
        case Photo(png=png, filename=filename):
            # An image is tens of kilobytes: kept in the row's JSON, so it commits with the row.
            return {"photo_png": base64.b64encode(png).decode("ascii"), "filename": filename}
        case Chart(title=title, series=series, filename=filename):
            return {"chart": {"title": title, "days": [d.isoformat() for d in series.days],
                              "opened": list(series.opened), "resolved": list(series.resolved),
                              "backlog": list(series.backlog)}, "filename": filename}
    return {}


def decode_payload(stored: dict[str, Any] | None) -> OutboxPayload:
    data = stored or {}
    if "ticket_number" in data:
        return CardButtons(int(data["ticket_number"]), tuple(str(a) for a in data.get("buttons") or ()))
    if data.get("direct_to") is not None:
        return DirectMessage(int(data["direct_to"]), str(data.get("fallback_text") or ""),
                             forget_text=bool(data.get("forget_text")))
    if data.get("message_id") is not None:
        return DeleteMessage(int(data["message_id"]))
    if data.get("photo_png") is not None:
        return Photo(base64.b64decode(data["photo_png"]), str(data.get("filename") or "chart.png"))
    if isinstance(data.get("chart"), dict):
        chart = data["chart"]
        series = DaySeries(tuple(date.fromisoformat(d) for d in chart["days"]), tuple(chart["opened"]),
                           tuple(chart["resolved"]), tuple(chart["backlog"]))
        return Chart(str(chart["title"]), series, str(data.get("filename") or "chart.png"))
    return None


def item_of(row: Any) -> OutboxItem:
    """A stored outbox row as the typed message it holds."""
    return OutboxItem(
        platform=row.platform, chat_id=row.chat_id, kind=OutboxKind(row.kind), text=row.text,
        ticket_id=row.ticket_id, thread_id=row.thread_id, reply_to=row.reply_to, mentions=decode_mentions(row.mentions),
        payload=decode_payload(row.payload),
        dedupe_key=row.dedupe_key, created_at=row.created_at, id=row.id, attempts=row.attempts,
        status=row.status, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        platform_message_id=row.platform_message_id, sending_at=row.sending_at,
    )


def stored_values(item: OutboxItem) -> dict[str, Any]:
    """The columns of a new outbox row for the item."""
    return dict(
        platform=item.platform, chat_id=item.chat_id, thread_id=item.thread_id, reply_to=item.reply_to,
        kind=item.kind.value, text=item.text, mentions=encode_mentions(item.mentions),
        payload=encode_payload(item.payload), ticket_id=item.ticket_id,
        dedupe_key=item.dedupe_key, status=item.status, attempts=item.attempts,
        created_at=item.created_at, next_attempt_at=item.next_attempt_at or item.created_at,
    )
