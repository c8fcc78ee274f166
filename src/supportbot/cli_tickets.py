"""`supportbot tickets` and `supportbot ticket N`: the desk from the shell, read-only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from supportbot.domain.people import Person, Role, Sender
from supportbot.domain.ticket_states import Status

if TYPE_CHECKING:
    from supportbot.domain.tickets import Ticket
    from supportbot.services.ports import Reply

UNKNOWN_PRODUCT = "Unknown product {product!r}; use one of: {known}."
OPERATOR = Sender("cli", 0, "operator", person=Person("operator", frozenset({Role.ADMIN, Role.SECURITY})))


def register(app: typer.Typer, settings_of: Callable, config_option: object) -> None:
    """Add the ticket commands to the CLI."""
    out = Console()
    err = Console(stderr=True)

    @app.command()
    def tickets(
        product: str | None = typer.Option(None, "--product", "-p", help="Only this product key."),
        status: str | None = typer.Option(None, "--status", "-s", help="received, in_progress, fix_provided or resolved."),
        all_: bool = typer.Option(False, "--all", help="Include resolved tickets."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        config: Path | None = config_option,  # type: ignore[assignment]
    ) -> None:
        """List tickets, oldest first (open ones unless --all or --status resolved)."""
        if status is not None and status not in {s.value for s in Status}:
            err.print(f"Unknown status {status!r}; use one of: {', '.join(s.value for s in Status)}.")
            raise typer.Exit(2)
        settings = settings_of(config)
        products = [p.key for p in settings.products]
        if product is not None and product not in products:
            err.print(UNKNOWN_PRODUCT.format(product=product, known=", ".join(products) or "none configured"),
                      highlight=False, markup=False)
            raise typer.Exit(2)
        found = _run(_listed(settings, product=product, status=status, all_=all_), err)
        if as_json:
            out.print_json(json.dumps([_as_dict(t) for t in found]))
        else:
            out.print(_table(found))

    @app.command()
    def ticket(number: int = typer.Argument(..., help="The ticket number."),
               config: Path | None = config_option) -> None:  # type: ignore[assignment]
        """Show one ticket: its card, clocks and whole history."""
        from supportbot.domain.tickets import TicketNotFound

        try:
            reply = _run(_shown(settings_of(config), number), err)
        except TicketNotFound as error:
            err.print(str(error))
            raise typer.Exit(1) from None
        out.print(reply.text, highlight=False, markup=False)


async def _listed(settings, *, product: str | None, status: str | None, all_: bool) -> Sequence[Ticket]:
    """The tickets `supportbot tickets` lists, from the configured database."""
    from supportbot.bootstrap import opened  # the database, only for a command that opens it

    async with opened(settings) as bot, bot.database() as uow:
        return await uow.tickets.list(open_only=not all_ and status != "resolved",
                                      product=product, status=status, limit=10_000)


async def _shown(settings, number: int) -> Reply:
    """Ticket `number` as the desk shows it to an operator: card, clocks and history."""
    from supportbot.bootstrap import opened

    async with opened(settings) as bot:
        return await bot.desk.show_ticket(number, OPERATOR)


def _table(found: Sequence[Ticket]) -> Table:
    table = Table(title=f"{len(found)} ticket(s)")
    for column in ("#", "status", "severity", "product", "title", "assignee", "reporter", "created (UTC)"):
        table.add_column(column)
    for t in found:
        table.add_row(str(t.number), f"{t.status.marker} {t.status.label}", t.severity.value,
                      t.product or "-", t.title, t.assignee or "-", t.reporter_name,
                      t.created_at.strftime("%Y-%m-%d %H:%M"))
    return table


def _run(job, err: Console):
    """Run a read of the desk; an outdated schema or an unusable database is a one-line error, not a traceback."""
    from supportbot.db.checks import DatabaseUnusable, SchemaOutdated

    try:
        return asyncio.run(job)
    except (SchemaOutdated, DatabaseUnusable) as error:
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _as_dict(ticket) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "number": ticket.number, "status": ticket.status.value, "marker": ticket.status.marker,
        "severity": ticket.severity.value, "product": ticket.product, "title": ticket.title,
        "assignee": ticket.assignee, "reporter": ticket.reporter_name, "platform": ticket.source_platform,
        "resolution": ticket.resolution.value if ticket.resolution else None, "pr_links": ticket.pr_links,
        "security": ticket.security, "created_at": iso(ticket.created_at),
        "first_response_at": iso(ticket.first_response_at), "last_activity_at": iso(ticket.last_activity_at),
        "resolved_at": iso(ticket.resolved_at), "next_due_at": iso(ticket.next_due_at),
    }
