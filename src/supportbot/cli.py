"""The `supportbot` command line."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from supportbot.bootstrap import build_app, platforms_of
from supportbot.config import ConfigError, Settings, find_config, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Chat-ops support desk for Telegram and Discord.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
out = Console()
err = Console(stderr=True)

ConfigOption = typer.Option(None, "--config", "-c", help="Config file (default: $SUPPORTBOT_CONFIG, ./config.toml, or the embedded defaults).")


def _settings(path: Optional[Path]) -> Settings:
    try:
        return load_settings(find_config(path))
    except ConfigError as error:
        err.print("config error", style="red")
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def run(config: Optional[Path] = ConfigOption) -> None:
    """Start the bot: Telegram and/or Discord when a token is set, else the local console chat."""
    from supportbot import runtime

    settings = _settings(config)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every job run at INFO: that would bury everything else.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    platforms = platforms_of(settings)
    bot = build_app(settings, platforms)
    try:
        if platforms == {"console"}:
            where = settings.database.url.get_secret_value()
            err.print(f"No platform token configured: starting the local console chat on {where}.\n"
                      "Type /console for console help, /help for commands; end of input quits.", highlight=False, markup=False, soft_wrap=True)
            logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
            asyncio.run(runtime.run_console(bot))
        else:
            asyncio.run(runtime.run_platforms(bot))
    except runtime.SchemaOutdated as error:
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def demo() -> None:
    """Play a scripted support conversation on a temporary database and print it."""
    from supportbot.demo import run_demo

    settings = load_settings(None, env={})
    raise typer.Exit(asyncio.run(run_demo(settings)))


@app.command("check-config")
def check_config(path: Path = typer.Argument(..., help="The TOML file to check.")) -> None:
    """Validate a config file and summarise it; exit code 2 when it is invalid."""
    settings = _settings(path)
    on = [name for name, enabled in (("telegram", settings.telegram_enabled), ("discord", settings.discord_enabled)) if enabled]
    out.print(f"[green]{path}: valid[/green]", soft_wrap=True)
    out.print(f"Products ({len(settings.products)}): " + ", ".join(
        f"{p.key} ({p.name}; owners {', '.join(p.owners) or 'none'}; telegram {p.telegram_chats or '-'}; "
        f"discord {p.discord_channels or '-'})" for p in settings.products), highlight=False, markup=False, soft_wrap=True)
    out.print(f"Emergency channels: telegram {settings.emergency.telegram_chats or '-'}, discord {settings.emergency.discord_channels or '-'}", highlight=False, markup=False, soft_wrap=True)
    out.print(f"People ({len(settings.people)}): " + ", ".join(f"{p.name} [{', '.join(p.roles) or 'no role'}]" for p in settings.people), highlight=False, markup=False, soft_wrap=True)
    policy = settings.policy
    out.print(f"Policy: emergency first response {policy.emergency.first_response}, escalate every "
              f"{policy.emergency.escalate_every}; normal first response {policy.normal.first_response}, "
              f"stagnant after {policy.normal.stagnant_after}", highlight=False, markup=False, soft_wrap=True)
    hours = settings.business_hours
    out.print(f"Business hours: {', '.join(hours.days)} {hours.open:%H:%M}–{hours.close:%H:%M} {hours.timezone}, "
              f"holidays {hours.holidays.country or 'none'} + {len(hours.holidays.extra)} extra", highlight=False, markup=False, soft_wrap=True)
    out.print(f"On call: {', '.join(settings.oncall.rotation) or 'no rotation'} ({settings.oncall.shift} shifts)", highlight=False, markup=False, soft_wrap=True)
    out.print(f"Platforms on: {', '.join(on) or 'none (console chat)'}", highlight=False, markup=False, soft_wrap=True)


@db_app.command("upgrade")
def db_upgrade(config: Optional[Path] = ConfigOption, revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Bring the database schema up to date."""
    from supportbot.db import migrate

    bot = build_app(_settings(config), {"console"})

    async def go() -> str | None:
        await migrate.upgrade(bot.database.engine, revision)
        try:
            return await migrate.current_revision(bot.database.engine)
        finally:
            await bot.database.dispose()

    out.print(f"Database schema at {asyncio.run(go())}.")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base' for empty."),
                 config: Optional[Path] = ConfigOption) -> None:
    """Take the database schema back to an older revision."""
    from supportbot.db import migrate

    bot = build_app(_settings(config), {"console"})

    async def go() -> None:
        try:
            await migrate.downgrade(bot.database.engine, revision)
        finally:
            await bot.database.dispose()

    asyncio.run(go())
    out.print(f"Database schema at {revision}.")


@db_app.command("current")
def db_current(config: Optional[Path] = ConfigOption) -> None:
    """Show the schema revision of the database and the one this version needs."""
    from supportbot.db import migrate

    bot = build_app(_settings(config), {"console"})

    async def go() -> str | None:
        try:
            return await migrate.current_revision(bot.database.engine)
        finally:
            await bot.database.dispose()

    out.print(f"Database at {asyncio.run(go()) or 'nothing'}; this version needs {migrate.head_revision()}.")


from supportbot.cli_tickets import register  # noqa: E402  (the ticket commands live beside)

register(app, _settings, ConfigOption)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
