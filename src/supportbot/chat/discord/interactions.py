"""One slash command carried out: where and who, the thread's ticket, the typed command, the desk's answer."""

# No `from __future__ import annotations` here, as in commands.py: discord.py reads annotations as objects.
from collections.abc import Callable
from typing import Protocol

import discord

from supportbot.chat.discord.answering import answer, refuse
from supportbot.chat.discord.parse import PLATFORM, Location
from supportbot.domain import commands as cmd
from supportbot.domain.command_parser import parse_command
from supportbot.domain.people import Sender
from supportbot.logs import context as log_context
from supportbot.services.desk import Desk
from supportbot.services.ports import IncomingMessage, Reply

# Reads are answered to the caller alone; team actions and FAQ answers are for the channel to see.
READS = frozenset({"ticket", "tickets", "backlog", "help", "oncall", "stats", "dashboard"})
NOT_HERE = "I only work in the support channels."
WHICH_TICKET = "Which ticket? Give its number, or use the command in the ticket's thread."


class Host(Protocol):
    """What the commands need from the adapter."""

    desk: Desk

    def sender(self, user: discord.abc.User) -> Sender: ...
    async def where(self, interaction: discord.Interaction) -> Location | None: ...
    def committed(self) -> None: ...


def pick(number: int | None, context: int | None, name: str) -> int:
    """The ticket a command is about: the one given, else the thread's ticket."""
    if number is not None:
        return number
    if context is not None:
        return context
    raise cmd.CommandError(WHICH_TICKET, cmd.usage_for(name))


async def run(host: Host, interaction: discord.Interaction, name: str,
              build: Callable[[int | None], cmd.Command], *words: object) -> None:
    """Carry out one slash command: where and who, the thread's ticket, the typed command, the answer."""
    where = await host.where(interaction)
    place = host.desk.place(PLATFORM, where.chat_id) if where else None
    if where is None or (place is None and not where.private and name != "help"):
        await refuse(interaction, NOT_HERE)
        return
    text = " ".join([f"/{name}", *(str(w) for w in words if w is not None)])
    msg = IncomingMessage(PLATFORM, where.chat_id, interaction.id, host.sender(interaction.user), text,
                          interaction.created_at, thread_id=where.thread_id, private=where.private)

    async def work() -> Reply:
        context = await host.desk.ticket_in_context(msg)
        try:
            command = build(context)
        except cmd.CommandError as err:
            return Reply(str(err), ok=False, ephemeral=True)
        try:
            return await host.desk.run(command, msg, place, reply_ticket=context)
        finally:
            host.committed()

    with log_context.about(platform=PLATFORM, chat=where.chat_id, update=interaction.id):
        await answer(interaction, work(), private=name in READS)


def typed(text: str) -> cmd.Command:
    """A command as the grammar reads it typed (its checks, its refusals)."""
    parsed = parse_command(text.strip())
    assert parsed is not None
    return parsed


def attach_pr(number: int, url: str) -> cmd.Command:
    """The grammar checks the link, as for a typed /pr."""
    parsed = parse_command(f"/pr {number} {url}")
    assert parsed is not None
    return parsed
