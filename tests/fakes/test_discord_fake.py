"""The fake Discord, exercised with the real discord.py client."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from .discord_api import FakeDiscord
from .discord_state import P_MANAGE_MESSAGES

GUILD, CHANNEL, FORUM, TEAM_ROLE = 3000, 3101, 3200, 4001
REPORTER, ENGINEER = 2001, 2002


@pytest.fixture
def fake(request):
    options = getattr(request, "param", {})
    with FakeDiscord(heartbeat_interval=1000, **options) as f:
        f.add_guild(GUILD, "Support", roles={TEAM_ROLE: "team"})
        f.add_channel(GUILD, CHANNEL, "court-support")
        f.add_channel(GUILD, FORUM, "help-forum", type=15)
        f.add_member(GUILD, REPORTER, "reporter")
        f.add_member(GUILD, ENGINEER, "alice", roles=[TEAM_ROLE])
        yield f


@pytest.fixture
def pointed_at(fake):
    old_base, old_gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    yield fake
    discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


class Bot(discord.Client):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.seen: list[discord.Message] = []
        self.edits: list[discord.Message] = []

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)

    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        self.edits.append(after)


@pytest.fixture
async def bot(pointed_at):
    client = Bot()
    task = asyncio.create_task(client.start(pointed_at.token))
    await asyncio.wait_for(client.ready.wait(), 10)
    yield client
    await client.close()
    await asyncio.wait_for(task, 5)


@pytest.mark.parametrize("fake", [{}, {"gateway_compression": False}], indirect=True, ids=["zlib", "plain"])
async def test_connects_and_sees_guild_and_channels(fake, bot):
    guild = bot.get_guild(GUILD)
    assert guild is not None and guild.name == "Support"
    assert isinstance(bot.get_channel(CHANNEL), discord.TextChannel)
    assert isinstance(bot.get_channel(FORUM), discord.ForumChannel)
    assert guild.get_role(TEAM_ROLE).name == "team"
    assert guild.me is not None and guild.me.guild_permissions.manage_messages
    assert bot.user.id == fake.bot_user_id and bot.application_id == fake.application_id

    identify = fake.identify_payload()
    assert identify["token"] == fake.token and identify["intents"] == bot.intents.value
    query = fake.gateway_connections()[0]["query"]
    assert query["v"] == "10" and query["encoding"] == "json" and query["compress"] == "zlib-stream"
    paths = {r["path"] for r in fake.request_log()}
    assert {"/users/@me", "/oauth2/applications/@me"} <= paths


async def test_message_create_reaches_on_message(fake, bot):
    first = fake.post_message(CHANNEL, REPORTER, "the printer is on fire", attachments=1)
    reply = fake.post_message(CHANNEL, REPORTER, "still burning", reference=first)
    await fake.wait_for_async(lambda: len(bot.seen) >= 2)

    msg, follow = bot.seen
    assert (msg.id, msg.content, msg.author.id, msg.channel.id) == (first, "the printer is on fire", REPORTER, CHANNEL)
    assert msg.guild.id == GUILD and isinstance(msg.author, discord.Member)
    assert len(msg.attachments) == 1 and msg.attachments[0].filename == "image0.png"
    assert await msg.attachments[0].read() == fake.world.files[msg.attachments[0].url.split("/attachments/")[1]]
    assert follow.id == reply and follow.reference.message_id == first
    assert follow.type is discord.MessageType.reply

    fake.edit_message(CHANNEL, first, "the printer was on fire")
    [edited] = await fake.wait_for_async(lambda: bot.edits)
    assert edited.id == first and edited.content == "the printer was on fire"


class TicketCard(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.pressed_by: list[int] = []

    @discord.ui.button(label="Take", custom_id="take:1", style=discord.ButtonStyle.primary)
    async def take(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.pressed_by.append(interaction.user.id)
        await interaction.response.edit_message(content="taken by alice", view=None)


async def test_bot_sends_embed_with_button_and_handles_press(fake, bot):
    channel = bot.get_channel(CHANNEL)
    view = TicketCard()
    sent = await channel.send("ticket #1", embed=discord.Embed(title="Ticket 1", description="Printer"), view=view,
                              allowed_mentions=discord.AllowedMentions.none())

    [stored] = fake.messages(CHANNEL)
    assert stored["id"] == sent.id and stored["content"] == "ticket #1"
    assert stored["embeds"][0]["title"] == "Ticket 1" and stored["embeds"][0]["description"] == "Printer"
    assert stored["components"][0]["components"][0]["custom_id"] == "take:1"
    assert stored["allowed_mentions"] == {"parse": []}

    iid = fake.press(CHANNEL, sent.id, ENGINEER, "take:1")
    [response] = await fake.wait_for_async(lambda: fake.interaction_responses(iid))
    assert response["type"] == 7 and view.pressed_by == [ENGINEER]
    [stored] = fake.messages(CHANNEL)
    assert stored["content"] == "taken by alice" and stored["components"] == [] and stored["edited"]


async def test_threads_edits_and_deletes(fake, bot):
    channel = bot.get_channel(CHANNEL)
    card = await channel.send("ticket #2")
    thread = await card.create_thread(name="Ticket 2")
    assert thread.id == card.id and thread.parent_id == CHANNEL
    assert [(t["id"], t["name"], t["created_by_bot"]) for t in fake.threads()] == [(card.id, "Ticket 2", True)]
    await fake.wait_for_async(lambda: bot.get_channel(thread.id) is not None)
    await thread.send("first reply in the thread")
    await thread.edit(name="[resolved] Ticket 2")
    assert fake.channel_edits()[-1]["changes"]["name"] == {"old": "Ticket 2", "new": "[resolved] Ticket 2"}

    forum_thread, starter = fake.create_forum_post(FORUM, REPORTER, "App crashes", "on start")
    assert forum_thread == starter
    await fake.wait_for_async(lambda: any(m.id == starter for m in bot.seen))

    leaked = fake.post_message(CHANNEL, REPORTER, "my seed phrase is ...")
    await channel.get_partial_message(leaked).delete()
    assert fake.deleted()[-1]["message_id"] == leaked and fake.deleted()[-1]["by_bot"]

    fake.deny_bot_permissions(CHANNEL, P_MANAGE_MESSAGES)
    other = fake.post_message(CHANNEL, REPORTER, "another secret")
    with pytest.raises(discord.Forbidden) as info:
        await channel.get_partial_message(other).delete()
    assert info.value.code == 50013 and info.value.status == 403
    with pytest.raises(discord.NotFound) as info:
        await channel.fetch_message(123)
    assert info.value.code == 10008


async def test_slash_command_sync_and_invocation(fake, bot):
    calls: list[tuple] = []

    @bot.tree.command(name="report", description="Open a ticket", guild=discord.Object(GUILD))
    @app_commands.describe(text="What happened")
    async def report(interaction: discord.Interaction, text: str, urgent: bool = False) -> None:
        calls.append((text, urgent, interaction.user.id, interaction.channel_id))
        await interaction.response.send_message(f"Ticket opened: {text}", ephemeral=True)

    @bot.tree.command(name="status", description="Move a ticket", guild=discord.Object(GUILD))
    async def status(interaction: discord.Interaction, ticket: int, state: str) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(f"#{ticket} is now {state}")

    @status.autocomplete("state")
    async def state_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        states = ["received", "in_progress", "fix_provided", "resolved"]
        return [app_commands.Choice(name=s, value=s) for s in states if s.startswith(current)]

    synced = await bot.tree.sync(guild=discord.Object(GUILD))
    assert sorted(c.name for c in synced) == ["report", "status"]
    stored = {c["name"]: c for c in fake.synced_commands(GUILD)}
    assert [o["name"] for o in stored["report"]["options"]] == ["text", "urgent"]
    assert stored["report"]["options"][0]["required"] is True

    iid = fake.slash(CHANNEL, REPORTER, "report", {"text": "printer on fire"})
    [response] = await fake.wait_for_async(lambda: fake.interaction_responses(iid))
    assert response["type"] == 4 and response["flags"] & 64 and response["ephemeral"]
    assert response["content"] == "Ticket opened: printer on fire"
    assert calls == [("printer on fire", False, REPORTER, CHANNEL)]

    iid = fake.autocomplete(CHANNEL, ENGINEER, "status", {"ticket": 7, "state": "in"}, focused="state")
    [response] = await fake.wait_for_async(lambda: fake.interaction_responses(iid))
    assert response["type"] == 8 and [c["value"] for c in response["data"]["choices"]] == ["in_progress"]

    iid = fake.slash(CHANNEL, ENGINEER, "status", {"ticket": 7, "state": "resolved"})
    kinds = await fake.wait_for_async(lambda: [r["kind"] for r in fake.interaction_responses(iid)] == [
        "callback", "followup"] and fake.interaction_responses(iid))
    assert kinds[0]["type"] == 5
    [reply] = [m for m in fake.messages(CHANNEL) if m["interaction_id"] == iid]
    assert reply["content"] == "#7 is now resolved" and not reply["loading"] and not reply["ephemeral"]

    with pytest.raises(LookupError):
        fake.slash(CHANNEL, REPORTER, "nonexistent", {})


class PriorityPicker(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.values: list[str] = []

    @discord.ui.select(custom_id="prio", options=[discord.SelectOption(label="high"), discord.SelectOption(label="low")])
    async def prio(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        self.values = select.values
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"priority: {select.values[0]}")


async def test_typed_options_forum_posts_dms_files_and_selects(fake, bot):
    seen: dict = {}
    ticket = app_commands.Group(name="ticket", description="Ticket commands", guild_ids=[GUILD])

    @ticket.command(name="assign", description="Assign a ticket")
    async def assign(interaction: discord.Interaction, number: int, person: discord.Member,
                     where: discord.TextChannel, team: discord.Role | None = None) -> None:
        seen["args"] = (number, person.id, person.name, where.id, team.id if team else None)
        await interaction.response.send_message("assigned")
        await interaction.edit_original_response(content="assigned to reporter")
        await interaction.followup.send("only you can see this", ephemeral=True)

    bot.tree.add_command(ticket)
    await bot.tree.sync(guild=discord.Object(GUILD))
    iid = fake.slash(CHANNEL, ENGINEER, "ticket assign", {"number": 3, "person": REPORTER, "where": CHANNEL,
                                                          "team": TEAM_ROLE})
    await fake.wait_for_async(lambda: len(fake.interaction_responses(iid)) == 3)
    assert seen["args"] == (3, REPORTER, "reporter", CHANNEL, TEAM_ROLE)
    assert [(r["kind"], r["ephemeral"]) for r in fake.interaction_responses(iid)] == [
        ("callback", False), ("edit_original", False), ("followup", True)]
    assert [m["content"] for m in fake.messages(CHANNEL) if m["interaction_id"] == iid] == [
        "assigned to reporter", "only you can see this"]

    forum = bot.get_channel(FORUM)
    post = await forum.create_thread(name="Known issue: login", content="Workaround inside",
                                     file=discord.File(io.BytesIO(b"log line"), "log.txt"))
    assert post.thread.id == post.message.id and post.thread.parent_id == FORUM
    assert post.message.attachments[0].filename == "log.txt" and post.message.attachments[0].size == 8
    [stored] = fake.messages(post.thread.id)
    assert stored["content"] == "Workaround inside" and stored["attachments"][0]["filename"] == "log.txt"

    picker = PriorityPicker()
    card = await bot.get_channel(CHANNEL).send("pick a priority", view=picker)
    iid = fake.select(CHANNEL, card.id, ENGINEER, "prio", ["high"])
    await fake.wait_for_async(lambda: len(fake.interaction_responses(iid)) == 2)
    assert picker.values == ["high"] and fake.messages(CHANNEL)[-1]["content"] == "priority: high"

    user = await bot.fetch_user(REPORTER)
    dm = await user.send("your ticket is resolved")
    assert fake.dm_channels() == {REPORTER: dm.channel.id}
    fake.block_dms(REPORTER)
    with pytest.raises(discord.Forbidden) as info:
        await user.send("again")
    assert info.value.code == 50007


async def test_rate_limits_are_honoured(fake, bot):
    channel = bot.get_channel(CHANNEL)
    fake.rate_limit_next(f"POST /channels/{CHANNEL}/messages", retry_after=0.3)
    started = time.monotonic()
    await channel.send("after a 429")
    assert time.monotonic() - started >= 0.3
    assert [r["status"] for r in fake.request_log(f"POST /channels/{CHANNEL}/messages")] == [429, 200]

    fake.rate_limit_next("/messages", retry_after=0.2, is_global=True)
    started = time.monotonic()
    await channel.send("after a global 429")
    assert time.monotonic() - started >= 0.2
    assert [m["content"] for m in fake.messages(CHANNEL)] == ["after a 429", "after a global 429"]


async def test_server_errors_are_retried_and_bad_requests_are_not(fake, bot):
    channel = bot.get_channel(CHANNEL)
    fake.fail_next("/messages", 502)
    await channel.send("after a 502")  # discord.py waits 1 s before retrying
    assert [r["status"] for r in fake.request_log("/messages")] == [502, 200]
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.status == 400 and info.value.code == 50035


async def test_gateway_resume_replays_missed_events(fake, bot):
    fake.gateway_disconnect(4000)
    posted = fake.post_message(CHANNEL, REPORTER, "sent while the bot was away")
    await fake.wait_for_async(lambda: any(m.id == posted for m in bot.seen))
    connections = fake.gateway_connections()
    assert [c["kind"] for c in connections] == ["identify", "resume"]
    assert connections[1]["path"] == "/resume" and fake.sessions()[0]["resumes"] == 1


async def test_gateway_rejects_a_wrong_token(fake):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url + "/?v=10&encoding=json") as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 1000
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            await ws.receive()
            assert ws.close_code == 4004
        async with session.get(fake.api_base_url + "/users/@me", headers={"Authorization": "Bot wrong"}) as r:
            assert r.status == 401 and await r.json() == {"message": "401: Unauthorized", "code": 0}


def test_standalone_entry_point():
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.discord_api", "--port", "0", "--guild", "1:G",
                             "--channel", "1:2:general"], cwd=root, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        api = lines[1].split("=", 1)[1].strip()
        import urllib.request
        with urllib.request.urlopen(api + "/gateway") as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert b"ws://" in resp.read()
    finally:
        proc.terminate()
        proc.wait(10)
