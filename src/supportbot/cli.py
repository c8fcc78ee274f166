"""The `supportbot` command line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

# Heavy modules (config and pydantic, bootstrap, runtime, the database, alembic) are imported by the
# commands that use them, so --version and --help start at once and check-config reads config only.
if TYPE_CHECKING:
    from supportbot.config import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Chat-ops support desk for Telegram and Discord.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
out = Console()
err = Console(stderr=True)

ConfigOption = typer.Option(None, "--config", "-c", help="Config file (default: $SUPPORTBOT_CONFIG, ./config.toml, or the embedded defaults).")
DOWNGRADE_QUESTION = ("Take the schema of {where} from {current} down to {revision}? "
                      "This drops the tables and columns added since, with their data.")
DOWNGRADE_DECLINED = "Nothing changed."
T = TypeVar("T")


def _show_version(wanted: bool) -> None:
    if wanted:
        try:
            installed = version("supportbot")
        except PackageNotFoundError:  # run from a source tree that was never installed
            installed = "unknown (not installed)"
        out.print(f"supportbot {installed}", highlight=False, markup=False)
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                      help="Print the version and exit."),
) -> None:
    """Chat-ops support desk for Telegram and Discord."""


def _fail(error: Exception) -> typer.Exit:
    """Print an error the operator can act on as one line; the caller raises the exit (code 2)."""
    err.print(str(error), highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(2)


def _on_database(bot, job: Callable[[], Awaitable[T]]) -> T:
    """Run `job` once the database is known to be usable; an unusable one is a line and exit code 2."""
    from supportbot.db import migrate
    from supportbot.db.checks import DatabaseUnusable, check_database

    async def go() -> T:
        try:
            await check_database(bot.database)
            return await job()
        finally:
            await bot.database.dispose()

    try:
        return asyncio.run(go())
    except (DatabaseUnusable, migrate.RevisionError) as error:
        raise _fail(error) from None


def _settings(path: Path | None) -> Settings:
    from supportbot.config import ConfigError, find_config, load_settings

    try:
        return load_settings(find_config(path))
    except ConfigError as error:
        err.print("config error", style="red")
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def run(config: Path | None = ConfigOption) -> None:
    """Start the bot: Telegram and/or Discord when a token is set, else the local console chat."""
    from supportbot import runtime
    from supportbot.bootstrap import build_app, platforms_of
    from supportbot.bootstrap_serving import platform_adapters, web_server
    from supportbot.logs import output as logs
    from supportbot.logs.redaction import secret_values

    settings = _settings(config)
    # Every configured secret is masked by value in every line, as well as anything shaped like a secret.
    logs.configure(level=settings.log_level, fmt=settings.log_format, secrets=secret_values(settings))
    platforms = platforms_of(settings)
    bot = build_app(settings, platforms)
    try:
        if platforms == {"console"}:
            where = bot.database.engine.url.render_as_string(hide_password=True)
            err.print(f"No platform token configured: starting the local console chat on {where}.\n"
                      "Type /console for console help, /help for commands; end of input quits.", highlight=False, markup=False, soft_wrap=True)
            logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
            say = lambda line: err.print(line, highlight=False, markup=False, soft_wrap=True)  # noqa: E731
            asyncio.run(runtime.run_console(bot, web=web_server(bot), say=say))
        else:
            asyncio.run(runtime.run_platforms(bot, lambda: platform_adapters(bot), web=web_server(bot)))
    except (runtime.SchemaOutdated, runtime.DatabaseUnusable, runtime.TokenRefused) as error:
        raise _fail(error) from None


@app.command()
def demo() -> None:
    """Play a scripted support conversation on a temporary database and print it."""
    from supportbot.config import load_settings
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
    web = settings.web
    out.print(f"Web: {'on at ' + web.public_url if web.enabled else 'off'}"
              + (f" (listening on {web.listen}:{web.port}; public tracker {'on' if web.public_tracker else 'off'}; "
                 f"secret {'set' if web.secret else 'generated and kept in the database'})" if web.enabled else ""),
              highlight=False, markup=False, soft_wrap=True)
    digest = settings.digest
    own = sum(p.digest_telegram_chat is not None or p.digest_discord_channel is not None for p in settings.products)
    out.print(f"Digest: {digest.when} ({hours.timezone}), {digest.top_untriaged} untriaged listed, {own} product(s) "
              f"with a digest chat; morning summary at {hours.open:%H:%M} on business days" if digest.enabled
              else "Digest: off (no weekly digest, no morning summary; /digest still answers)",
              highlight=False, markup=False, soft_wrap=True)
    out.print(_github_summary(settings), highlight=False, markup=False, soft_wrap=True)


def _github_summary(settings: Settings) -> str:
    """check-config's GitHub line: each product's repositories, webhook or polling, whether a token is set
    (never the token)."""
    conf = settings.github
    if conf is None:
        return "GitHub: off (no [github] section)"
    repos = "; ".join(f"{p.key} {', '.join(p.github_repos) or 'none'}" for p in settings.products)
    if conf.webhook_secret and conf.webhook_secret.get_secret_value():
        web = settings.web
        how = (f"webhook at {web.public_url}/github/webhook (secret set)" if web.enabled
               else "webhook secret set, but [web] is off: no delivery can arrive and nothing is polled")
    else:
        how = f"polling every {conf.poll_interval} (no webhook secret)"
    token = ("token set" if conf.token and conf.token.get_secret_value()
             else "token not set (public repositories only; /issue cannot open issues)")
    return f"GitHub: repositories {repos}; {how}; {token}; API {conf.api_base_url}"


@db_app.command("upgrade")
def db_upgrade(config: Path | None = ConfigOption, revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Bring the database schema up to date."""
    from supportbot.bootstrap import build_app
    from supportbot.db import migrate

    bot = build_app(_settings(config), {"console"})

    async def go() -> str | None:
        await migrate.upgrade(bot.database.engine, revision)
        return await migrate.current_revision(bot.database.engine)

    out.print(f"Database schema at {_on_database(bot, go)}.")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base' for empty."),
                 config: Path | None = ConfigOption,
                 yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before dropping data.")) -> None:
    """Take the database schema back to an older revision (asks first: what was added since is dropped)."""
    from supportbot.bootstrap import build_app
    from supportbot.db import migrate

    try:
        migrate.check_revision(revision)
    except migrate.RevisionError as error:
        raise _fail(error) from None
    bot = build_app(_settings(config), {"console"})
    if not yes:
        current = _on_database(bot, lambda: migrate.current_revision(bot.database.engine))
        where = bot.database.engine.url.render_as_string(hide_password=True)
        if not typer.confirm(DOWNGRADE_QUESTION.format(where=where, current=current or "nothing", revision=revision),
                             default=False):
            err.print(DOWNGRADE_DECLINED)
            raise typer.Exit(1)
    _on_database(bot, lambda: migrate.downgrade(bot.database.engine, revision))
    out.print(f"Database schema at {revision}.")


@db_app.command("current")
def db_current(config: Path | None = ConfigOption) -> None:
    """Show the schema revision of the database and the one this version needs."""
    from supportbot.bootstrap import build_app
    from supportbot.db import migrate

    bot = build_app(_settings(config), {"console"})
    current = _on_database(bot, lambda: migrate.current_revision(bot.database.engine))
    out.print(f"Database at {current or 'nothing'}; this version needs {migrate.head_revision()}.")


from supportbot.cli_dead_letters import register as register_dead_letters  # noqa: E402  (parked events)
from supportbot.cli_report import register as register_report  # noqa: E402  (metrics and export)
from supportbot.cli_tickets import register  # noqa: E402  (the ticket commands live beside)

register(app, _settings, ConfigOption)
register_dead_letters(app, _settings, ConfigOption)
register_report(app, _settings, ConfigOption)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
