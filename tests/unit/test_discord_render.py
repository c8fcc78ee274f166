"""Discord rendering: card embeds and buttons, custom ids, mentions, limits, and error translation."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import aiohttp
import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportbot.chat.discord import render
from supportbot.chat.discord.delivery import nonce, translated
from supportbot.chat.discord.parse import team_member
from supportbot.domain import texts
from supportbot.domain.people import Directory, Person, Role
from supportbot.domain.ticket_states import Resolution, Severity, Status
from supportbot.domain.tickets import MAX_TICKET_NUMBER, Ticket
from supportbot.services.outbox import CardButtons, Mention, OutboxItem, OutboxKind, PermanentFailure, RetryLater

AT = datetime(2026, 12, 7, 9, tzinfo=UTC)
ALICE = Person("Alice", frozenset({Role.ENGINEER}), discord_id=2001)


def ticket(status: Status = Status.RECEIVED, title: str = "Staking fails on the court page") -> Ticket:
    found = Ticket(number=12, product="court", severity=Severity.NORMAL, title=title, body=title,
                   reporter_platform="discord", reporter_id=5001, reporter_name="dave", created_at=AT,
                   source_platform="discord", source_chat_id=3101, source_message_id=1)
    found.status = status
    if status is Status.RESOLVED:
        found.resolution = Resolution.FIXED
    return found


# --- the card -----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "colour"), [
    (Status.RECEIVED, 0xE74C3C), (Status.IN_PROGRESS, 0xE67E22), (Status.FIX_PROVIDED, 0xF1C40F),
    (Status.RESOLVED, 0x2ECC71),
])
def test_the_card_embed_is_coloured_by_status_and_headed_by_its_marker(status, colour):
    text = texts.card_text(ticket(status), product_name="Court v2")
    embed = render.card_embed(text)
    assert embed.colour.value == colour
    assert embed.title == texts.marker_line(ticket(status)) + " — Court v2 · 🐛 normal"
    assert embed.title.startswith(status.marker)
    assert embed.description.startswith("Staking fails on the court page")


def test_a_card_without_a_marker_is_neutral_and_long_cards_fit_discord():
    assert render.card_embed("Something else\nbody").colour == render.NEUTRAL_COLOUR
    embed = render.card_embed("🔴 " + "t" * 500 + "\n" + "d" * 5000)
    assert len(embed.title) == render.MAX_EMBED_TITLE and embed.title.endswith(render.ELLIPSIS)
    assert len(embed.description) == render.MAX_EMBED_DESCRIPTION


def test_the_thread_is_named_by_number_and_title_within_100_characters():
    text = texts.card_text(ticket(title="x" * 80), product_name="Court v2")
    assert render.card_title(text) == "x" * 80
    assert render.thread_name(12, "Staking   fails\non court") == "#12 Staking fails on court"
    assert len(render.thread_name(12, "y" * 300)) == render.MAX_THREAD_NAME


async def test_card_buttons_carry_ticket_and_action_and_are_not_kept_per_message():
    view = render.card_view(CardButtons(12, ("take", "in_progress", "resolved", "bogus")))
    assert [(b.label, b.custom_id) for b in view.children] == [
        (texts.BUTTON_LABELS["take"], "sb:12:take"), (texts.BUTTON_LABELS["in_progress"], "sb:12:in_progress"),
        (texts.BUTTON_LABELS["resolved"], "sb:12:resolved")]
    assert view.timeout is None and view.is_finished()  # presses go to the adapter, for every card, always
    assert render.card_view(CardButtons(12)) is None
    assert render.card_view(None) is None


# --- custom ids -----------------------------------------------------------------------------


@given(st.integers(1, MAX_TICKET_NUMBER), st.sampled_from(texts.BUTTON_ACTIONS))
def test_custom_ids_round_trip(number, action):
    value = render.custom_id(number, action)
    assert len(value) <= 100 and render.parse_custom_id(value) == (number, action)


@pytest.mark.parametrize("value", [
    None, 12, "", "sb:12", "sb:12:", "sb::take", "sb:0:take", "sb:012:take", "sb:-1:take", "sb:1:delete",
    "sb:1:take:extra", "SB:1:take", "t:1:take", f"sb:{MAX_TICKET_NUMBER + 1}:take", "sb:99999999999:take",
    "sb:1:take\n", " sb:1:take", "sb:1:" + "a" * 200,
])
def test_custom_ids_from_the_client_are_checked(value):
    assert render.parse_custom_id(value) is None


@given(st.text(max_size=120))
def test_any_custom_id_parses_to_nothing_or_to_a_real_button(value):
    parsed = render.parse_custom_id(value)
    assert parsed is None or (1 <= parsed[0] <= MAX_TICKET_NUMBER and parsed[1] in texts.BUTTON_ACTIONS)


# --- mentions -------------------------------------------------------------------------------


PEOPLE = Directory(people=(Person("Alice", discord_id=2001), Person("Bob", discord_id=2002),
                           Person("Carol", telegram_id=1003)), discord_team_role=4001)


def tags(*names: str) -> list[render.Handle]:
    """The people named (\"team\": the team role) as Discord handles, resolved from PEOPLE."""
    return render.handles([Mention(n, team=n == "team") for n in names], PEOPLE)


def test_mentions_are_written_as_discord_writes_them():
    assert [render.mention_text(h) for h in tags("Alice", "team", "Carol", "Nobody")] == [
        "<@2001>", "<@&4001>", "@Carol", "@Nobody"]
    assert render.mention_line(tags("Alice", "Alice", "team")) == "<@2001> <@&4001>"
    assert render.mention_text(render.handles([Mention("team", team=True)], None)[0]) == "@team"  # no role set


def test_allowed_mentions_are_exactly_the_tagged_users_and_roles():
    mentions = tags("Alice", "Bob", "Alice", "team", "Carol")
    assert render.allowed_mentions(mentions).to_dict() == {"parse": [], "users": [2001, 2002], "roles": [4001]}
    assert render.allowed_mentions().to_dict() == {"parse": [], "users": [], "roles": []}


def test_user_text_never_widens_the_allowed_mentions():
    text = "@everyone @here <@&4001> <@2002> please help"
    content = render.message_content(text, tags("Alice"))
    assert content == f"{text}\n<@2001>"
    allowed = render.allowed_mentions(tags("Alice")).to_dict()
    assert allowed == {"parse": [], "users": [2001], "roles": []}  # not everyone, not 4001, not 2002


def test_long_messages_keep_their_mentions_whole():
    content = render.message_content("x" * 3000, tags("team"))
    assert len(content) == render.MAX_CONTENT and content.endswith("…\n<@&4001>")
    assert render.message_content("y" * 3000) == "y" * 1999 + "…"


def test_long_answers_are_cut_at_line_ends():
    text = "\n".join(f"line {i:04d} " + "z" * 40 for i in range(200))
    parts = render.chunks(text)
    assert all(len(p) <= render.MAX_CONTENT for p in parts) and len(parts) > 1
    assert "\n".join(parts) == text
    assert render.chunks("") == [""] and render.chunks("a" * 4500) == ["a" * 2000, "a" * 2000, "a" * 500]


# --- who is on the team ---------------------------------------------------------------------


def test_team_members_come_from_config_or_a_team_role():
    directory = Directory(people=(ALICE,))
    assert team_member(directory, 2001, "alice", [], [4001]) is ALICE
    rita = team_member(directory, 5003, "rita", [4001, 77], [4001])
    assert rita == Person("rita", frozenset({Role.ENGINEER}), discord_id=5003)
    assert team_member(directory, 5001, "dave", [77], [4001]) is None
    assert team_member(directory, 5001, "dave", [4001], []) is None


# --- delivery -------------------------------------------------------------------------------


def http_error(status: int, code: int = 0, headers: dict | None = None) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="Reason", headers=headers or {})
    return discord.HTTPException(response, {"message": "Nope", "code": code})


def raised(error: BaseException) -> BaseException:
    with pytest.raises((RetryLater, PermanentFailure)) as info:
        with translated("send"):
            raise error
    return info.value


def test_discord_errors_become_retry_later_or_permanent_failures():
    limited = raised(discord.RateLimited(42.0))
    assert isinstance(limited, RetryLater) and limited.after == 42.0
    escaped = raised(http_error(429, headers={"Retry-After": "7"}))
    assert isinstance(escaped, RetryLater) and escaped.after == 7.0
    assert isinstance(raised(http_error(502)), RetryLater) and isinstance(raised(http_error(503)), RetryLater)
    assert isinstance(raised(aiohttp.ClientConnectionError("reset")), RetryLater)
    assert isinstance(raised(TimeoutError()), RetryLater)
    for status, code in ((403, 50013), (404, 10008), (400, 50035), (403, 50007)):
        failure = raised(http_error(status, code))
        assert isinstance(failure, PermanentFailure) and str(code) in str(failure)


def test_every_try_of_an_outbox_row_sends_the_same_nonce():
    item = OutboxItem("discord", 3101, OutboxKind.MESSAGE, "hi", id=7, created_at=AT)
    assert nonce(item) == nonce(OutboxItem("discord", 3101, OutboxKind.MESSAGE, "other", id=7, created_at=AT,
                                           attempts=3))
    assert nonce(item) != nonce(OutboxItem("discord", 3101, OutboxKind.MESSAGE, "hi", id=8, created_at=AT))
    assert len(nonce(item)) <= 25
