"""`supportbot report` (the playbook's metrics for a product and span) and `supportbot export tickets` (every
ticket with its history), for a team's own analysis. Both read the database, never change it."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from supportbot.domain import metrics
from supportbot.domain.texts import metrics as words

T = TypeVar("T")
REPORT_FORMATS = ("table", "csv", "json")
EXPORT_FORMATS = ("csv", "jsonl")


class BadInput(Exception):
    """A report or export asked for with options that do not fit: one line, exit code 2."""


def register(app: typer.Typer, settings_of: Callable, config_option: object) -> None:
    """Add `report` and `export tickets` to the CLI."""
    err = Console(stderr=True)
    export = typer.Typer(no_args_is_help=True, help="Export stored data for your own analysis.")
    app.add_typer(export, name="export")

    def refuse(error: BadInput) -> typer.Exit:
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        return typer.Exit(2)

    @app.command()
    def report(
        product: str | None = typer.Option(None, "--product", "-p", help="Only this product key (all when absent)."),
        period: str | None = typer.Option(None, "--period", help="day, week, month, quarter or year up to now "
                                          "(week when no --from is given)."),
        from_: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD, business time zone."),
        to: str | None = typer.Option(None, "--to", help="Last day (included), YYYY-MM-DD; today when absent."),
        format_: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
        security: bool = typer.Option(False, "--security", help="Count security tickets too."),
        config: Path | None = config_option,  # type: ignore[assignment]
    ) -> None:
        """The playbook's metrics (README "Metrics") for a product and period, or the days --from/--to."""
        settings = settings_of(config)
        try:
            _choice(format_, REPORT_FORMATS, words.REPORT_BAD_FORMAT)
            _product(product, [p.key for p in settings.products])
            first, last = _report_days(period, from_, to)
        except BadInput as error:
            raise refuse(error) from None
        found = _run(settings, err, lambda app: figures(app, product=product, period=period, first=first,
                                                        last=last, security=security))
        write_report(found, format_, product, sys.stdout)

    @export.command("tickets")
    def export_tickets(
        format_: str = typer.Option("jsonl", "--format", "-f", help="jsonl (one ticket a line) or csv."),
        config: Path | None = config_option,  # type: ignore[assignment]
    ) -> None:
        """Every ticket with all its fields, its rating and its history, streamed to standard output."""
        try:
            _choice(format_, EXPORT_FORMATS, words.REPORT_BAD_FORMAT)
        except BadInput as error:
            raise refuse(error) from None
        _run(settings_of(config), err, lambda app: write_export(app, format_, sys.stdout))


def _report_days(period: str | None, from_: str | None, to: str | None) -> tuple[date | None, date | None]:
    """The first and last day asked for (None: not given), once the period and the dates agree."""
    if period is not None and (from_ is not None or to is not None):
        raise BadInput(words.REPORT_PERIOD_OR_DATES)
    if period is not None:
        _choice(period, tuple(metrics.PERIOD_DAYS), words.REPORT_BAD_PERIOD)
    first, last = _day(from_, "--from"), _day(to, "--to")
    if last is not None and first is None:
        raise BadInput(words.REPORT_TO_WITHOUT_FROM)
    if first is not None and last is not None and first > last:
        raise BadInput(words.REPORT_FROM_AFTER_TO.format(start=first, end=last))
    return first, last


async def figures(app: Any, *, product: str | None, period: str | None, first: date | None, last: date | None,
                  security: bool) -> metrics.Metrics:
    """The metrics of the named period up to now, or of the days first to last (business time zone)."""
    from supportbot.services.metrics import figures_for  # the desk, only once a command runs

    deps = app.desk.deps
    now = deps.clock.now()
    if first is None and last is None:
        start, end = metrics.period_bounds(now, period or "week")
        found = await figures_for(deps, product=product, start=start, end=end, security=security)
        return dataclasses.replace(found, period=period or "week")
    zone = deps.clocks.calendar.zone
    today = now.astimezone(zone).date()
    start = _midnight(first or today, zone)
    # Up to now at the latest: a day not over yet counts the hours it has had.
    end = max(start, min(_midnight((last or today) + timedelta(days=1), zone), now))
    return await figures_for(deps, product=product, start=start, end=end, security=security)


def write_report(found: metrics.Metrics, format_: str, product: str | None, out: IO[str]) -> None:
    """The report in `format_`: a table of the metrics as /stats names them, or their plain values."""
    record = {"product": product, **metrics.as_record(found)}
    if format_ == "json":
        out.write(json.dumps(record, indent=2) + "\n")
    elif format_ == "csv":
        writer = csv.writer(out)
        writer.writerow(("metric", "value"))
        writer.writerows((name, "" if value is None else value) for name, value in record.items())
    else:
        where = f" for {product}" if product else ""
        table = Table(title=words.STATS_HEADING.format(where=where, label=metrics.label(found)))
        table.add_column("metric")
        table.add_column("value")
        for name, value in metrics.lines(found):
            table.add_row(name, value)
        Console(file=out).print(table)


async def write_export(app: Any, format_: str, out: IO[str]) -> None:
    """Every ticket, one JSON object a line (jsonl) or one CSV row each with its history as a JSON column."""
    from supportbot.db.export_store import FIELDS, ticket_records

    writer = csv.DictWriter(out, fieldnames=FIELDS) if format_ == "csv" else None
    if writer is not None:
        writer.writeheader()
    async for record in ticket_records(app.database):
        if writer is None:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            writer.writerow({name: _cell(value) for name, value in record.items()})


def _cell(value: Any) -> Any:
    """A CSV cell: lists and the history as JSON, nothing as empty."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _choice(value: str, allowed: tuple[str, ...], message: str) -> None:
    if value not in allowed:
        raise BadInput(message.format(value=value, choices=", ".join(allowed)))


def _product(key: str | None, keys: list[str]) -> None:
    if key is not None and key not in keys:
        raise BadInput(words.REPORT_BAD_PRODUCT.format(key=key, keys=", ".join(keys) or "none configured"))


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(words.REPORT_BAD_DATE.format(option=option, value=text)) from None


def _midnight(day: date, zone: Any) -> datetime:
    """The first instant of `day` in the business time zone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _run(settings: Any, err: Console, job: Callable[[Any], Awaitable[T]]) -> T:
    """Run a read on the configured database; an outdated schema or an unusable database is one line, exit 2."""
    from supportbot.bootstrap import opened  # the database, only for a command that opens it
    from supportbot.db.checks import DatabaseUnusable, SchemaOutdated

    async def run() -> T:
        async with opened(settings) as app:
            return await job(app)

    try:
        return asyncio.run(run())
    except (SchemaOutdated, DatabaseUnusable) as error:
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
