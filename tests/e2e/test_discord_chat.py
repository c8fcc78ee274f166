"""Discord end to end in this process: discord.py against the fake gateway and REST server, the desk on a
manual clock. What follows an action is checked once the bot has handled it and its outbox is empty."""

from __future__ import annotations

import logging
import re

import pytest

from supportbot.domain import texts
from tests.e2e.inprocess_fixtures import discord, discord_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_discord import (
    ALICE,
    BOB,
    COURT,
    CURATE_FORUM,
    DAVE,
    ELSEWHERE,
    EMERGENCY,
    ERIN,
    GUILD,
    OTHER_BOT,
    REPORT,
    RITA,
    SECURITY,
    SEED_PHRASE,
    TEAM,
    TEAM_ROLE,
    buttons_of,
    text_of,
)
from tests.fakes.discord_state import P_CREATE_PUBLIC_THREADS, P_MANAGE_MESSAGES

pytestmark = pytest.mark.e2e

RED, ORANGE, YELLOW, GREEN = 0xE74C3C, 0xE67E22, 0xF1C40F, 0x2ECC71
INTENTS = (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15)  # guilds, guild messages, direct messages, message content


def embed(message: dict) -> dict:
    return message["embeds"][0]


async def edited_card(bot, thread_id: int, colour: int) -> dict:
    return await bot.until(lambda: next((m for m in bot.fake.messages(thread_id)
                                         if m["embeds"] and embed(m).get("color") == colour), None),
                           f"the card coloured {colour:#x}")


async def test_report_gets_a_thread_and_card_and_the_team_moves_it_with_commands_and_buttons(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    assert fake.identify_payload()["intents"] == INTENTS  # no members, no presences

    report = fake.post_message(COURT, DAVE, REPORT, attachments=1)
    thread = await bot.thread_on(report)
    assert thread["parent_id"] == COURT and thread["name"].startswith("#1 Staking on the court page fails")
    assert len(thread["name"]) <= 100
    card = await bot.card(thread["id"])
    assert embed(card)["color"] == RED and embed(card)["title"].startswith("🔴 Ticket #1 received")
    assert "screenshots" not in text_of(card)  # the attachment counts as one
    assert buttons_of(card) == ["sb:1:take", "sb:1:in_progress", "sb:1:fix_provided", "sb:1:resolved"]
    assert "New ticket #1" in (await bot.posted(TEAM, "New ticket #1"))["content"]

    # The reporter tries the team's tools: refused privately, nothing changes.
    refusal = await bot.press(thread["id"], card["id"], DAVE, "sb:1:take")
    assert refusal["ephemeral"] and texts.NOT_A_TEAM_MEMBER in refusal["content"]
    refusal = await bot.slash(thread["id"], DAVE, "status", status="resolved")
    assert refusal["ephemeral"] and "Only the support team" in refusal["content"]
    for forged in ("sb:1:delete", "sb:0:take", "sb:99999999999:take", "take:1", "sb:1:take:x"):
        refusal = await bot.response(fake.press(thread["id"], card["id"], ALICE, forged, strict=False))
        assert refusal["ephemeral"] and "no longer valid" in refusal["content"], forged
    await bot.settle()
    assert (await bot.card(thread["id"]))["edits"] == 0
    before = [m["id"] for m in fake.messages(thread["id"])]

    # /take inside the thread needs no number; the answer is for the thread to see.
    fake.post_message(thread["id"], DAVE, "Here is a screenshot of the error", attachments=1)
    moved = await bot.slash(thread["id"], BOB, "status", status="in_progress", note="looking")
    assert not moved["ephemeral"] and "⭕️ Ticket #1 in progress (by Bob)" in moved["content"]
    await edited_card(bot, thread["id"], ORANGE)

    # A role holder who is not in the config is on the team too.
    moved = await bot.press(thread["id"], card["id"], RITA, "sb:1:fix_provided")
    assert not moved["ephemeral"] and "fix provided (by rita)" in moved["content"]
    card = await edited_card(bot, thread["id"], YELLOW)
    assert embed(card)["title"].startswith("🟡 Ticket #1 fix provided")

    resolved = await bot.slash(TEAM, ALICE, "resolve", ticket=1, reason="fixed", note="deployed")
    assert "🟢 Ticket #1 resolved as fixed (by Alice)" in resolved["content"] and not resolved["ephemeral"]
    card = await edited_card(bot, thread["id"], GREEN)
    assert card["components"] == [] and "Resolution: fixed" in text_of(card)
    await bot.posted(thread["id"], "resolved as fixed (by Alice)")  # the ticket's thread hears of it
    assert fake.channel_edits() == []  # the thread keeps its name: the status lives in the card
    assert [m["id"] for m in fake.messages(thread["id"])][: len(before)] == before


async def test_slash_commands_are_synced_with_choices_and_autocomplete(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    synced = {c["name"]: c for c in fake.synced_commands(GUILD)}
    assert set(synced) >= {"report", "emergency", "ticket", "tickets", "status", "take", "assign", "pr", "note",
                           "severity", "resolve", "reopen", "oncall", "handoff", "keep", "faq", "stats", "help"}
    options = {o["name"]: o for o in synced["status"]["options"]}
    assert [c["value"] for c in options["status"]["choices"]] == ["received", "in_progress", "fix_provided",
                                                                  "resolved"]
    assert options["ticket"]["autocomplete"] and not options["ticket"].get("required")
    assert [c["value"] for c in {o["name"]: o for o in synced["severity"]["options"]}["level"]["choices"]] == [
        "emergency", "normal"]
    assert "not_an_issue" in [c["value"] for c in synced["resolve"]["options"][1]["choices"]]

    opened = await bot.slash(COURT, DAVE, "report", text="The vault page shows a blank screen on Firefox")
    assert opened["ephemeral"] and "Ticket #1 opened" in opened["content"]
    # No message of the reporter's to open a thread on: the thread hangs from the card.
    thread = await bot.until(lambda: next((t for t in fake.threads() if t["name"].startswith("#1 ")), None), "thread")
    assert (await bot.card(COURT))["id"] == thread["starter_message_id"] and thread["parent_id"] == COURT

    async def completions(channel_id: int, user_id: int, command: str) -> list:
        iid = fake.autocomplete(channel_id, user_id, command, {}, focused="ticket")
        [choices] = await bot.until(lambda: [r for r in fake.interaction_responses(iid) if r["type"] == 8],
                                    "autocomplete")
        return [(c["name"], c["value"]) for c in choices["data"]["choices"]]

    assert await completions(TEAM, ALICE, "take") == [("#1 The vault page shows a blank screen on Firefox", 1)]
    assert await completions(COURT, DAVE, "ticket") == []  # reporters are not shown the open tickets

    listing = await bot.slash(TEAM, ALICE, "tickets")
    assert listing["ephemeral"] and "#1" in listing["content"]
    refused = await bot.slash(COURT, DAVE, "tickets")
    assert refused["ephemeral"] and refused["content"].startswith("⚠️")
    shown = await bot.slash(COURT, DAVE, "ticket", ticket=1)
    assert shown["ephemeral"] and "History:" in shown["content"]
    nowhere = await bot.slash(ELSEWHERE, ALICE, "tickets")
    assert nowhere["ephemeral"] and "support channels" in nowhere["content"]
    missing = await bot.slash(TEAM, ALICE, "take")
    assert missing["ephemeral"] and "Which ticket?" in missing["content"] and "/take <id>" in missing["content"]
    bad_link = await bot.slash(TEAM, ALICE, "pr", ticket=1, url="not a link")
    assert bad_link["ephemeral"] and "Usage: /pr" in bad_link["content"]


async def test_forum_posts_edits_and_what_is_ignored(discord, discord_bot, caplog):
    fake, bot = discord, await discord_bot()
    caplog.set_level(logging.INFO)
    post, starter = fake.create_forum_post(CURATE_FORUM, ERIN, "Curate list does not load",
                                           "Since this morning the list page spins forever on mainnet.")
    card = await bot.card(post)
    assert starter == post  # a post's first message has the post's id
    assert "Curate list does not load" in text_of(card) and embed(card)["color"] == RED
    assert not any(t["created_by_bot"] for t in fake.threads())  # the post is the thread
    await bot.handled(fake.post_message(post, ALICE, "Looking into it"))
    assert "First response due" not in text_of(await bot.card(post))  # the card shows the response

    report = fake.post_message(COURT, DAVE, "The court page shows the wrong juror count on mainnet")
    thread = await bot.thread_on(report)
    fake.edit_message(COURT, report, "The court page shows the wrong juror count on Gnosis chain")
    await bot.until(lambda: "Gnosis chain" in text_of(bot.card_now(thread["id"]) or {"content": "", "embeds": []}),
                    "the card follows the edit")

    fake.post_dm(ERIN, "hello?")
    dm = await bot.until(lambda: fake.dm_channels().get(ERIN), "a direct message channel")
    assert "/report" in (await bot.posted(dm, "To report a problem"))["content"]
    fake.post_dm(ERIN, "/report The curate submit button does nothing on mainnet")
    assert "submit button does nothing" in text_of(await bot.card(dm))

    ignored = [fake.post_message(ELSEWHERE, DAVE, "The court page is broken for me as well, staking fails"),
               fake.post_message(ELSEWHERE, ERIN, "Same here, the whole page is blank on my phone"),
               fake.post_message(COURT, OTHER_BOT, "Automated report: staking fails on the court page")]
    await bot.handled(*ignored)
    assert await bot.query("SELECT number FROM tickets ORDER BY number") == [(1,), (2,), (3,)]
    assert fake.messages(ELSEWHERE) == []
    assert caplog.text.count(f"channel {ELSEWHERE} is not in the config") == 1


async def test_emergency_escalates_with_the_team_role_once_per_level(discord, discord_bot):
    fake, bot = discord, await discord_bot(emergency="3s")
    report = fake.post_message(EMERGENCY, ERIN, "Withdrawals from the court vault revert for everyone since today")
    thread = await bot.thread_on(report)
    opened = await bot.posted(TEAM, "🚨 Emergency #1")
    assert f"<@{ALICE}>" in opened["content"]  # the on-call engineer, tagged at once

    def escalations() -> list[dict]:
        return [m for m in fake.messages(TEAM) if "has had no response" in m["content"]]

    for _ in range(7):  # the sweep runs every second, as in production
        await bot.wait(seconds=1)
    assert len(escalations()) >= 2
    for notice in escalations():
        assert f"<@&{TEAM_ROLE}>" in notice["content"]
        assert [int(r) for r in notice["allowed_mentions"]["roles"]] == [TEAM_ROLE]
        assert notice["allowed_mentions"]["parse"] == []
    await bot.slash(thread["id"], ALICE, "resolve", reason="fixed")
    count = len(escalations())
    for _ in range(6):  # two more periods: resolved, quiet
        await bot.wait(seconds=1)
    assert len(escalations()) == count
    keys = [k for (k,) in await bot.query("SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE "
                                          "'%emergency_unanswered%:team:discord'")]
    levels = [int(re.search(r"emergency_unanswered:(\d+)", k).group(1)) for k in keys]
    assert sorted(levels) == list(range(1, len(levels) + 1)) and len(levels) == count  # each level once
    in_thread = [m for m in fake.messages(thread["id"]) if "has had no response" in m["content"]]
    assert len(in_thread) == count


async def test_everyone_in_a_report_pings_nobody_when_quoted(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    ping = f"@everyone @here <@&{TEAM_ROLE}> the court page is down and staking fails with execution reverted"
    report = fake.post_message(COURT, DAVE, ping)
    thread = await bot.thread_on(report)
    await bot.card(thread["id"])
    await bot.posted(TEAM, "@everyone")
    listing = await bot.slash(TEAM, ALICE, "tickets")
    assert "@everyone" in listing["content"]
    await bot.slash(COURT, DAVE, "ticket", ticket=1)

    quoting = [m for m in fake.messages() if "@everyone" in text_of(m)]
    assert len(quoting) >= 4  # card, team notice, the /tickets and /ticket answers
    for message in quoting:
        allowed = message["allowed_mentions"]
        assert allowed is not None and allowed["parse"] == [], message
        assert not allowed.get("roles") and not allowed.get("users"), message


async def test_a_secret_is_deleted_and_reaches_only_the_security_channel(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    leaked = fake.post_message(COURT, DAVE, f"my wallet is empty, my words are {SEED_PHRASE}")
    await bot.until(lambda: any(d["message_id"] == leaked and d["by_bot"] for d in fake.deleted()), "deleted")
    dm = await bot.until(lambda: fake.dm_channels().get(DAVE), "a direct message to the reporter")
    assert "seemed to contain a secret" in (await bot.posted(dm))["content"]
    await bot.posted(SECURITY, "Private security ticket #1")
    assert "🛡 security" in text_of(await bot.card(SECURITY))

    fake.block_dms(ERIN, at_create=True)  # accepts no direct messages: told in the channel, without the secret
    leaked = fake.post_message(COURT, ERIN, f"is this safe? {SEED_PHRASE}")
    await bot.until(lambda: any(d["message_id"] == leaked for d in fake.deleted()), "deleted")
    await bot.posted(COURT, "was removed because it looked like it contained a secret")

    fake.deny_bot_permissions(COURT, P_MANAGE_MESSAGES)  # cannot delete: the security team must know
    kept = fake.post_message(COURT, DAVE, f"again {SEED_PHRASE}")
    await bot.posted(SECURITY, f"Could not delete message {kept}")
    await bot.handled(kept)

    words = SEED_PHRASE.split()[:3]
    for message in fake.messages():
        assert " ".join(words) not in text_of(message), message
    assert all(m["channel_id"] in (SECURITY, COURT, dm) for m in fake.messages())
    assert not any(t["created_by_bot"] for t in fake.threads())  # no public thread for a secret


async def test_a_message_is_sent_once_through_rate_limits_and_lost_answers(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    route = f"POST /channels/{TEAM}/messages"
    fake.rate_limit_next(route, retry_after=0.5)
    fake.rate_limit_next(route, retry_after=0.3, is_global=True)
    fake.fail_next(route, 503, after_handling=True)  # posted, but the answer is lost: the outbox tries again
    fake.fail_next("/threads", 503, after_handling=True)  # the thread is opened, the answer lost
    report = fake.post_message(COURT, DAVE, REPORT)
    await bot.posted(TEAM, "New ticket #1")
    thread = await bot.thread_on(report)
    await bot.card(thread["id"])
    await bot.handled(report)  # the outbox is empty: a second copy would have been sent by now
    assert len([m for m in fake.messages(TEAM) if "New ticket #1" in m["content"]]) == 1
    assert len(fake.threads()) == 1 and len([m for m in fake.messages(thread["id"]) if m["embeds"]]) == 1
    assert [r["status"] for r in fake.request_log("/threads")] == [503, 400]  # the second try finds it there
    statuses = [r["status"] for r in fake.request_log(route)]
    assert statuses[:3] == [429, 429, 503] and statuses[3:] == [200]


async def test_buttons_keep_working_after_a_restart_and_quiet_threads_wake_up(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    report = fake.post_message(COURT, DAVE, REPORT)
    thread = await bot.thread_on(report)
    card = await bot.card(thread["id"])
    await bot.handled(report)
    await bot.stop()
    bot = await discord_bot()  # a new process, as far as the bot knows: only the database is kept
    taken = await bot.press(thread["id"], card["id"], BOB, "sb:1:take")
    assert "Ticket #1 taken by Bob" in taken["content"] and not taken["ephemeral"]
    assert "Assigned to Bob" in text_of(await bot.card(thread["id"]))  # the card is edited

    fake.archive_thread(thread["id"])  # a week without a word
    await bot.slash(TEAM, ALICE, "status", ticket=1, status="in_progress")
    await edited_card(bot, thread["id"], ORANGE)
    assert not next(t for t in fake.threads() if t["id"] == thread["id"])["archived"]


async def test_without_thread_permission_the_card_answers_in_the_channel(discord, discord_bot):
    fake, bot = discord, await discord_bot()
    fake.deny_bot_permissions(COURT, P_CREATE_PUBLIC_THREADS)
    report = fake.post_message(COURT, DAVE, REPORT)
    card = await bot.card(COURT)
    assert card["message_reference"]["message_id"] == str(report) and fake.threads() == []
    follow_up = fake.post_message(COURT, DAVE, "Still failing after a refresh", reference=card["id"])
    await bot.handled(follow_up)
    assert await bot.query("SELECT count(*) FROM platform_messages WHERE message_id = ?", follow_up) == [(1,)]
