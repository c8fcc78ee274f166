"""`supportbot dead-letters`: the platform events that were parked because they could not be handled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from supportbot.services.ports import DeadLetter

T = TypeVar("T")

REPLAY_ASKED = ("Dead letter #{id} will be replayed by the running bot within {every:.0f}s; "
                "`supportbot dead-letters --all` shows how it went.")
DROPPED = "Dead letter #{id} dropped."
NONE_WAITING = "No parked events."


class _Output:
    """A rich console made when something is printed, so it takes the terminal's width at that moment."""

    def __init__(self, **options: object) -> None:
        self.options = options

    def print(self, *objects: object, **kwargs: object) -> None:
        Console(**self.options).print(*objects, **kwargs)  # type: ignore[arg-type]


def register(app: typer.Typer, settings_of: Callable, config_option: object) -> None:
    """Add `dead-letters` (list, show, replay, drop) to the CLI."""
    out, err = _Output(), _Output(stderr=True)
    group = typer.Typer(help="Platform events parked because they could not be handled: list, show, replay, drop.")
    app.add_typer(group, name="dead-letters")

    def run(config: Path | None, job: Callable[..., Awaitable[T]]) -> T:
        return _run(settings_of(config), job, err)

    @group.callback(invoke_without_command=True)
    def listing(ctx: typer.Context,
                all_: bool = typer.Option(False, "--all", help="Also those replayed or dropped."),
                config: Path | None = config_option) -> None:  # type: ignore[assignment]
        """List parked events, oldest first (never their text: `show N` for one)."""
        from supportbot.services import dead_letters  # the desk, only once a command runs

        if ctx.invoked_subcommand is not None:
            return
        found = run(config, lambda uow: dead_letters.waiting(uow, everything=all_))
        out.print(_table(found) if found else NONE_WAITING)

    @group.command()
    def show(letter_id: int = typer.Argument(..., metavar="N", help="The dead letter's id."),
             config: Path | None = config_option) -> None:  # type: ignore[assignment]
        """Show one parked event: where it came from, the error, and the event as received (secrets redacted)."""
        from supportbot.services import dead_letters

        letter = run(config, lambda uow: dead_letters.get(uow, letter_id))
        _show(letter, out)

    @group.command()
    def replay(letter_id: int = typer.Argument(..., metavar="N", help="The dead letter's id."),
               config: Path | None = config_option) -> None:  # type: ignore[assignment]
        """Ask the running bot to handle a parked event again (a redelivery of one handled changes nothing)."""
        from supportbot.services import dead_letters

        run(config, lambda uow: dead_letters.request_replay(uow, letter_id))
        out.print(REPLAY_ASKED.format(id=letter_id, every=dead_letters.REPLAY_EVERY), highlight=False)

    @group.command()
    def drop(letter_id: int = typer.Argument(..., metavar="N", help="The dead letter's id."),
             config: Path | None = config_option) -> None:  # type: ignore[assignment]
        """Give up on a parked event (it stays listed with --all)."""
        from supportbot.services import dead_letters

        run(config, lambda uow: dead_letters.drop(uow, letter_id))
        out.print(DROPPED.format(id=letter_id), highlight=False)


def _run(settings, job: Callable[..., Awaitable[T]], err: _Output) -> T:
    """Run a use case on the configured database; a refusal is one line and exit code 2."""
    from supportbot.bootstrap import opened  # the database, only for a command that opens it
    from supportbot.db.checks import SchemaOutdated
    from supportbot.services import dead_letters

    async def go() -> T:
        async with opened(settings) as bot:
            return await job(bot.database)

    try:
        return asyncio.run(go())
    except (SchemaOutdated, dead_letters.LetterNotFound, dead_letters.LetterNotWaiting) as error:
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _table(found: Sequence[DeadLetter]) -> Table:
    table = Table(title=f"{len(found)} parked event(s)")
    for column in ("id", "platform", "kind", "ref", "chat", "when (UTC)", "status", "error"):
        table.add_column(column, overflow="fold")
    for letter in found:
        table.add_row(str(letter.id), letter.platform, letter.kind, letter.ref, _chat(letter),
                      letter.created_at.strftime("%Y-%m-%d %H:%M:%S"), letter.status, letter.error)
    return table


def _show(letter: DeadLetter, out: _Output) -> None:
    """One parked event, its payload last with secrets redacted."""
    from supportbot.services import dead_letters

    for label, value in (("Dead letter", f"#{letter.id} ({letter.status})"),
                         ("Event", f"{letter.platform} {letter.kind} {letter.ref}"), ("Chat", _chat(letter)),
                         ("Parked", letter.created_at.isoformat()), ("Error", letter.error)):
        out.print(f"{label}: {value}", highlight=False, markup=False, soft_wrap=True)
    out.print("Payload:", highlight=False, markup=False)
    out.print(dead_letters.shown_payload(letter), highlight=False, markup=False, soft_wrap=True)


def _chat(letter: DeadLetter) -> str:
    return str(letter.chat_id) if letter.chat_id is not None else "-"
