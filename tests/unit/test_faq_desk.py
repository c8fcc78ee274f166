"""The FAQ on the reporter's side, on the desk: topics for anyone, a suggestion in the acknowledgement, and the
reporter closing their ticket when it helped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.desk_world import COURT, PLATFORM, TEAM, DeskWorld, open_report, sender
from supportbot.domain import texts
from supportbot.domain.faq import FaqEntry
from supportbot.domain.ticket_states import Resolution, Status
from supportbot.services.outbox import CardButtons, OutboxKind
from supportbot.services.ports import ButtonPress, Reply

GAS_REPORT = "On the court page my vote transaction ran out of gas twice"
STAKE = FaqEntry("stake", "Unstake first, wait one epoch, then stake again.", "Staking errors",
                 ("staking", "unstake"))


@pytest.fixture
def world(clock) -> DeskWorld:
    world = DeskWorld(clock)
    world.rewire(faq={**world.deps.faq, "stake": STAKE})
    return world


async def suggested(world: DeskWorld, text: str = GAS_REPORT) -> tuple[int, int]:
    """dave reports `text`; the ids of his report and of the delivered suggestion."""
    report = await open_report(world, text)
    delivered = await world.deliver()
    [hint] = [item for item in delivered if item.text.startswith("💡")]
    assert hint.platform_message_id is not None
    return report, hint.platform_message_id


def history(world: DeskWorld) -> list[tuple[str, str, str]]:
    ticket_id = world.ticket().id
    return [(e.actor, e.kind, e.detail) for e in world.store.events if e.ticket_id == ticket_id]


# --- /faq ----------------------------------------------------------------------------------------------


async def test_anyone_lists_the_topics_and_only_the_team_answers_with_one(world: DeskWorld) -> None:
    listed = await world.command("dave", "/faq", chat_id=COURT)
    answered = await world.command("dave", "/faq gas", chat_id=COURT)
    team = await world.command("Bob", "/faq")

    assert listed.ok and listed.text == "FAQ topics:\n• gas — Out of gas\n• stake — Staking errors"
    assert not answered.ok and answered.text == texts.FAQ_ANSWER_TEAM_ONLY
    assert team.text.endswith(texts.FAQ_TOPICS_TEAM_HINT)
    assert (await world.command("Bob", "/faq gas")).text == "Raise the gas limit by 20% and retry."


async def test_no_faq_says_so(world: DeskWorld) -> None:
    world.rewire(faq={})

    assert (await world.command("dave", "/faq", chat_id=COURT)).text == texts.NO_FAQ_TOPICS


# --- the suggestion ------------------------------------------------------------------------------------


async def test_a_report_matching_an_entry_gets_it_after_the_acknowledgement(world: DeskWorld) -> None:
    report = await open_report(world, GAS_REPORT)

    card, hint = world.queued(chat_id=COURT)
    assert card.kind is OutboxKind.CARD and hint.kind is OutboxKind.MESSAGE
    assert hint.text == texts.FAQ_SUGGESTION.format(title="Out of gas", answer="Raise the gas limit by 20% and retry.")
    assert hint.reply_to == report and "reply \"solved\"" in hint.text
    assert hint.payload == CardButtons(1, (texts.FAQ_SOLVED_ACTION,))
    assert texts.button_label(texts.FAQ_SOLVED_ACTION) == "✅ This solved it"
    assert history(world)[-1] == ("supportbot", "faq_suggested", "gas")
    assert world.ticket().first_response_at is None  # the bot's hint is not the team's response


@pytest.mark.parametrize("text", ["The court page is blank after login", "I made a mistake voting on the court page",
                                  "gas fees on the court page are too high"])
async def test_a_report_matching_nothing_gets_no_suggestion(world: DeskWorld, text: str) -> None:
    await open_report(world, text)

    assert [item.kind for item in world.queued(chat_id=COURT)] == [OutboxKind.CARD]
    assert "faq_suggested" not in world.history()


async def test_emergencies_and_security_reports_get_no_suggestion(world: DeskWorld) -> None:
    await world.command("dave", "/emergency staking is down for everyone", chat_id=COURT)
    await world.command("erin", "/report I found a vulnerability in staking that drains the vault", chat_id=COURT)

    assert "faq_suggested" not in world.history(1) + world.history(2)


async def test_a_report_made_with_the_report_command_is_suggested_too(world: DeskWorld) -> None:
    await world.command("dave", "/report unstake does nothing on the court page", chat_id=COURT)

    assert history(world)[-1] == ("supportbot", "faq_suggested", "stake")


# --- "that worked" -------------------------------------------------------------------------------------


async def test_the_reporter_saying_it_worked_resolves_the_ticket_as_answered(world: DeskWorld, clock) -> None:
    _, hint = await suggested(world)
    clock.advance(minutes=10)

    await world.post("dave", COURT, "That worked, thanks!", reply_to=hint)

    ticket = world.ticket()
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, Resolution.ANSWERED)
    assert history(world)[-1] == ("dave", "resolve", "answered: solved by FAQ gas")
    [edit] = world.queued(OutboxKind.EDIT_CARD)
    assert edit.text.startswith("🟢 Ticket #1 resolved") and "Resolution: answered" in edit.text
    assert texts.SOLVED_BY_FAQ_REPLY.format(number=1) in [m.text for m in world.queued(OutboxKind.MESSAGE, chat_id=COURT)]
    # Counted as resolved by the first response: the FAQ answered it.
    async with world.store() as uow:
        figures = await uow.tickets.period_figures(clock.now() - timedelta(days=1))
    assert (figures.resolved, figures.resolved_at_first_response) == (1, 1)


@pytest.mark.parametrize("text", ["not solved", "still broken", "is it fixed?", "thanks"])
async def test_a_reply_that_does_not_confirm_leaves_it_open(world: DeskWorld, text: str) -> None:
    _, hint = await suggested(world)

    await world.post("dave", COURT, text, reply_to=hint)

    assert world.ticket().status is Status.RECEIVED and world.history()[-1] == "message"


async def test_only_the_reporter_can_say_it_is_solved(world: DeskWorld) -> None:
    _, hint = await suggested(world)

    await world.post("erin", COURT, "solved", reply_to=hint)
    await world.post("Bob", COURT, "solved", reply_to=hint)

    assert world.ticket().status is Status.RECEIVED


async def test_solved_means_nothing_without_a_suggestion(world: DeskWorld) -> None:
    report = await open_report(world)  # matches no entry

    await world.post("dave", COURT, "solved", reply_to=report)

    assert world.ticket().status is Status.RECEIVED


async def test_once_the_team_provided_a_fix_fixed_is_not_the_faqs(world: DeskWorld) -> None:
    report, _ = await suggested(world)
    await world.command("Bob", "/status 1 fix_provided")

    await world.post("dave", COURT, "fixed, thanks", reply_to=report)

    assert world.ticket().status is Status.FIX_PROVIDED


async def test_a_solved_ticket_is_reopened_as_usual(world: DeskWorld) -> None:
    _, hint = await suggested(world)
    await world.post("dave", COURT, "solved", reply_to=hint)

    reply = await world.command("dave", "/reopen 1", chat_id=COURT)

    assert reply.ok and world.ticket().status is Status.RECEIVED
    assert (await world.command("Bob", "/ticket 1", chat_id=TEAM)).text.count("solved by FAQ gas") == 1


# --- "✅ This solved it" ---------------------------------------------------------------------------------


async def press(world: DeskWorld, who: str, hint: int) -> Reply:
    return await world.desk.press_button(ButtonPress(PLATFORM, COURT, hint, sender(who), 1, texts.FAQ_SOLVED_ACTION,
                                                     world.clock.now()))


async def test_the_reporters_button_under_the_suggestion_resolves_it_as_answered(world: DeskWorld) -> None:
    _, hint = await suggested(world)

    reply = await press(world, "dave", hint)

    assert reply.ok and reply.text == texts.SOLVED_BY_FAQ_REPLY.format(number=1)
    assert (world.ticket().status, world.ticket().resolution) == (Status.RESOLVED, Resolution.ANSWERED)
    assert history(world)[-1] == ("dave", "resolve", "answered: solved by FAQ gas")
    [edit] = world.queued(OutboxKind.EDIT_CARD)
    assert edit.text.startswith("🟢 Ticket #1 resolved")


@pytest.mark.parametrize("who", ["erin", "Bob"])
async def test_only_the_reporter_may_press_it(world: DeskWorld, who: str) -> None:
    _, hint = await suggested(world)
    before = world.store.snapshot()

    reply = await press(world, who, hint)

    assert not reply.ok and world.ticket().status is Status.RECEIVED
    assert world.store.snapshot()["tickets"] == before["tickets"]


async def test_pressed_after_the_team_provided_a_fix_it_changes_nothing(world: DeskWorld) -> None:
    _, hint = await suggested(world)
    await world.command("Bob", "/status 1 fix_provided")

    reply = await press(world, "dave", hint)

    assert not reply.ok and reply.text == texts.FAQ_SOLVED_TOO_LATE.format(number=1, marker="🟡",
                                                                           label="fix provided")
    assert world.ticket().status is Status.FIX_PROVIDED
