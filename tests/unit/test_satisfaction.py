"""On 🟢 the reporter is asked "How did we do?": one rating per ticket, changeable for a while, an optional
comment by replying, the owner told of a low score (desk on fakes, manual clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from support.desk_world import COURT, TEAM, DeskWorld, open_report
from supportbot.domain import texts
from supportbot.domain.satisfaction import SatisfactionPolicy
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import Ticket
from supportbot.services.outbox import CardButtons, Mention, OutboxKind


@pytest.fixture
def world(clock) -> DeskWorld:
    return DeskWorld(clock)


def rating_asks(world: DeskWorld) -> list:
    return [r for r in world.store.outbox if r.payload == CardButtons(1, texts.RATE_ACTIONS)]


async def resolved(world: DeskWorld, reason: str = "fixed") -> int:
    """dave reports, Alice resolves ticket #1; returns the id of the delivered "How did we do?" message, if any."""
    await open_report(world)
    await world.deliver()
    assert (await world.command("Alice", f"/resolve 1 {reason}")).ok
    sent = await world.deliver()
    asks = [m for m in sent if m.payload == CardButtons(1, texts.RATE_ACTIONS)]
    return _message_id_of(world, asks[0]) if asks else 0


def _message_id_of(world: DeskWorld, item) -> int:
    """The chat's id of a delivered outbox row (the fake chat numbers messages in order)."""
    stored = next(r for r in world.store.outbox if r.id == item.id)
    assert stored.platform_message_id is not None
    return stored.platform_message_id


async def test_resolving_asks_the_reporter_how_we_did(world: DeskWorld) -> None:
    await resolved(world)

    [ask] = rating_asks(world)
    assert ask.chat_id == COURT and ask.reply_to == world.ticket().source_message_id
    assert ask.text == texts.RATE_ASK.format(number=1)


async def test_a_rating_is_stored_shown_on_the_card_and_in_the_history(world: DeskWorld) -> None:
    await resolved(world)

    reply = await world.press("dave", 1, "rate_4")

    assert reply.ok and reply.text == texts.RATED.format(number=1, score=4)
    rating = world.store.rating(1)
    assert rating is not None and (rating.score, rating.rated_at) == (4, world.clock.now())
    shown = await world.command("dave", "/ticket 1", chat_id=COURT)
    assert "Rating: 4/5" in shown.text and "dave · rating: 4/5" in shown.text


async def test_a_rating_changes_within_seven_days_and_then_no_more(world: DeskWorld) -> None:
    await resolved(world)
    await world.press("dave", 1, "rate_3")
    world.clock.advance(days=6)

    changed = await world.press("dave", 1, "rate_5")
    same = await world.press("dave", 1, "rate_5")
    world.clock.advance(days=1, seconds=1)
    late = await world.press("dave", 1, "rate_1")

    assert changed.text == texts.RATING_CHANGED.format(number=1, score=5)
    assert same.text == texts.RATING_UNCHANGED.format(number=1, score=5)
    assert not late.ok and "can no longer be changed" in late.text
    rating = world.store.rating(1)
    assert rating is not None and rating.score == 5
    assert [e.detail for e in world.store.events if e.kind == "rating"] == ["3/5", "5/5"]


async def test_a_reply_to_the_question_is_the_ratings_comment(world: DeskWorld) -> None:
    ask = await resolved(world)
    await world.press("dave", 1, "rate_5")
    interactions = world.ticket().interactions

    await world.post("dave", COURT, "Quick and friendly, thanks!", reply_to=ask)

    rating = world.store.rating(1)
    assert rating is not None and rating.comment == "Quick and friendly, thanks!"
    # A word on how it went, not a new turn of the conversation.
    assert world.ticket().interactions == interactions
    assert texts.COMMENT_THANKS.format(number=1) in [r.text for r in world.queued(chat_id=COURT)]
    shown = await world.command("Alice", "/ticket 1")
    assert 'Rating: 5/5 — "Quick and friendly, thanks!"' in shown.text
    assert "rating: comment: Quick and friendly, thanks!" in shown.text


async def test_a_low_rating_tells_the_product_owner_in_the_team_chat(world: DeskWorld) -> None:
    ask = await resolved(world)

    await world.press("dave", 1, "rate_2")
    await world.post("dave", COURT, "Took ages", reply_to=ask)

    notices = [r for r in world.queued(OutboxKind.MESSAGE, chat_id=TEAM) if "was rated" in r.text]
    assert [n.text for n in notices] == [
        f"⚠️ Ticket #1 ({world.ticket().title}) was rated 2/5 by dave.",
        f'⚠️ Ticket #1 ({world.ticket().title}) was rated 2/5 by dave — "Took ages".',
    ]
    assert all(n.mentions == (Mention("Carol"),) for n in notices)


async def test_only_the_reporter_rates(world: DeskWorld) -> None:
    await resolved(world)
    before = world.store.snapshot()

    team = await world.press("Alice", 1, "rate_5")
    stranger = await world.press("mallory", 1, "rate_1")

    assert not team.ok and team.text == texts.RATING_REPORTER_ONLY.format(number=1)
    assert not stranger.ok and stranger.text == texts.NOT_YOUR_TICKET.format(number=1)
    assert world.store.snapshot() == before


@pytest.mark.parametrize("reason", ["duplicate", "not_an_issue"])
async def test_not_asked_after_a_resolution_outside_ask_after(world: DeskWorld, reason: str) -> None:
    await resolved(world, reason)
    assert world.ticket().resolution is Resolution(reason)
    assert not rating_asks(world)


async def test_not_asked_when_switched_off(world: DeskWorld) -> None:
    world.rewire(satisfaction=SatisfactionPolicy(enabled=False))
    await resolved(world)
    assert not rating_asks(world)


async def test_resolved_again_after_a_reopen_asks_only_while_unrated(world: DeskWorld) -> None:
    await resolved(world)
    await world.command("dave", "/reopen 1", chat_id=COURT)
    await world.command("Alice", "/resolve 1")
    assert len(rating_asks(world)) == 2  # not rated yet: asked again

    await world.press("dave", 1, "rate_4")
    await world.command("dave", "/reopen 1", chat_id=COURT)
    world.clock.advance(hours=1)
    await world.command("Alice", "/resolve 1")
    assert len(rating_asks(world)) == 2


async def test_a_rating_of_an_open_ticket_is_refused(world: DeskWorld) -> None:
    await resolved(world)
    await world.command("dave", "/reopen 1", chat_id=COURT)

    reply = await world.press("dave", 1, "rate_4")

    assert not reply.ok and reply.text == texts.RATING_NOT_RESOLVED.format(number=1)


def test_the_policy_asks_for_the_configured_resolutions_and_never_for_security(clock) -> None:
    fixed = Ticket(
        number=7, product="court", severity=Severity.NORMAL, title="Staking fails", body="Staking fails",
        reporter_platform="telegram", reporter_id=5001, reporter_name="dave", created_at=clock.now(),
        source_platform="telegram", source_chat_id=COURT, source_message_id=42, status=Status.RESOLVED,
        resolution=Resolution.FIXED)
    policy = SatisfactionPolicy(change_within=timedelta(days=7))

    assert policy.asks(fixed)
    assert not policy.asks(replace(fixed, security=True))
    assert not policy.asks(replace(fixed, resolution=Resolution.DUPLICATE))
    assert SatisfactionPolicy(ask_after=frozenset({Resolution.DUPLICATE})).asks(
        replace(fixed, resolution=Resolution.DUPLICATE))
    assert policy.is_low(2) and not policy.is_low(3)
