"""What `supportbot run` serves besides the desk: an adapter for each platform with a token (their libraries
imported only when used), and the web server with what /healthz, /metrics and the GitHub webhook read."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from supportbot.bootstrap import App
from supportbot.config import Settings
from supportbot.services.send_budget import SendBudget

if TYPE_CHECKING:
    from supportbot.chat.discord.client import DiscordOptions
    from supportbot.chat.telegram.bot import TelegramOptions
    from supportbot.chat.telegram.webhook import WebhookMount
    from supportbot.web.server import WebServer

TELEGRAM_TOKEN_REJECTED = "Telegram rejected the bot token (401)"
DISCORD_TOKEN_REJECTED = "Discord rejected the bot token (401)"
# A platform start that cannot reach its servers is tried again.
UNREACHABLE: tuple[type[BaseException], ...] = (OSError, asyncio.TimeoutError)


def telegram_options(settings: Settings) -> TelegramOptions:
    """The [telegram] section as the adapter takes it (chat/ does not read config)."""
    from supportbot.chat.telegram.bot import TelegramOptions

    tg = settings.telegram
    if tg is None or tg.token is None:
        raise ValueError("the Telegram adapter needs a [telegram] section with a token")
    return TelegramOptions(
        token=tg.token.get_secret_value(), api_base_url=tg.api_base_url, mode=tg.mode, poll_timeout=tg.poll_timeout,
        webhook_url=tg.webhook_url, webhook_listen=tg.webhook_listen, webhook_port=tg.webhook_port,
        webhook_secret=tg.webhook_secret.get_secret_value() if tg.webhook_secret else None,
    )


def discord_options(settings: Settings) -> DiscordOptions:
    """The [discord] section as the adapter takes it, as plain values."""
    from supportbot.chat.discord.client import DiscordOptions

    conf = settings.discord
    if conf is None or conf.token is None:
        raise ValueError("the Discord adapter needs a [discord] section with a token")
    return DiscordOptions(token=conf.token.get_secret_value(), api_base_url=conf.api_base_url,
                          gateway_url=conf.gateway_url, guilds=tuple(conf.guilds), team_roles=frozenset(conf.team_roles))


@dataclass(frozen=True)
class Served:
    """A platform adapter and how its start fails: token refused (the run ends with `refused_line`),
    platform unreachable (`transient`: tried again), anything else (a setting to fix: the run ends)."""

    adapter: Any  # start(), stop(), platform; on_commit when it can say it queued something
    refused: type[BaseException]
    refused_line: str
    transient: tuple[type[BaseException], ...] = UNREACHABLE


def telegram_send_budget(app: App) -> SendBudget | None:
    """Telegram's flood limits counted in PostgreSQL, shared by every replica on the app's clock; None on
    SQLite (one instance): the adapter counts its own sends."""
    if app.database.engine.dialect.name != "postgresql":
        return None
    from supportbot.chat.telegram.limits import TELEGRAM_LIMITS, FloodLimiter, LocalBudget
    from supportbot.db.send_budgets import SharedFloodLimiter

    clock = app.deps.clock
    return SharedFloodLimiter(app.database.engine, TELEGRAM_LIMITS, fallback=LocalBudget(FloodLimiter()),
                              clock=lambda: clock.now().timestamp())


def platform_adapters(app: App) -> list[Served]:
    """An adapter for each platform with a token (their libraries are imported only when used)."""
    served = []
    if "telegram" in app.platforms:
        from telegram.error import NetworkError

        from supportbot.chat.telegram.bot import TelegramAdapter, TokenRejected

        adapter = TelegramAdapter(app.desk, telegram_options(app.settings), limiter=telegram_send_budget(app),
                                  telemetry=app.telemetry, webhook_mount=app.webhook_mount)
        served.append(Served(adapter, TokenRejected, TELEGRAM_TOKEN_REJECTED, (NetworkError, *UNREACHABLE)))
    if "discord" in app.platforms:
        import discord

        from supportbot.chat.discord.bot import DiscordAdapter

        # A gateway that closed with a code discord.py does not reconnect on (a refused intent) is not transient.
        transient = (discord.DiscordServerError, discord.GatewayNotFound, *UNREACHABLE)
        served.append(Served(DiscordAdapter(app.desk, discord_options(app.settings), telemetry=app.telemetry),
                             discord.LoginFailure, DISCORD_TOKEN_REJECTED, transient))
    return served


def web_extras(app: App) -> dict[str, Any]:
    """What /healthz and /metrics read besides the database: the runtime's health view, the adapters' counters."""
    from supportbot.web import ops

    extras: dict[str, Any] = {ops.HEALTH: app.health, ops.TELEMETRY: app.telemetry}
    conf, link = app.settings.github, app.github
    if conf is not None and link is not None and conf.webhook_secret and conf.webhook_secret.get_secret_value():
        from supportbot.services import github_events
        from supportbot.web import github_webhook

        async def handle(event: str, delivery: str, payload: dict[str, Any]) -> str:
            return await github_events.on_delivery(link.deps, link.plan, event=event, delivery=delivery,
                                                   payload=payload)

        extras[github_webhook.GITHUB] = github_webhook.GithubWebhook(conf.webhook_secret.get_secret_value(), handle)
    return extras


def shared_webhook(app: App) -> WebhookMount | None:
    """The Telegram webhook's route for the web server, when both are to listen on the same address."""
    tg, conf = app.settings.telegram, app.settings.web
    if "telegram" not in app.platforms or tg is None or tg.mode != "webhook" or not conf.enabled:
        return None
    if (tg.webhook_listen, tg.webhook_port) != (conf.listen, conf.port):
        return None
    from supportbot.chat.telegram.webhook import WebhookMount

    return WebhookMount(tg.webhook_url or "")


def web_server(app: App) -> WebServer | None:
    """The web server of the [web] section (None when it is off); templates and routes load only when used.
    When the Telegram webhook is to listen on the same address, its route goes on this server."""
    from supportbot.web.server import WebContext, WebOptions, WebServer, templates

    conf = app.settings.web
    if not conf.enabled:
        return None
    options = WebOptions(listen=conf.listen, port=conf.port, public_url=conf.public_url,
                         public_tracker=conf.public_tracker,
                         secret=conf.secret.get_secret_value() if conf.secret else None)
    ctx = WebContext(options, app.desk, app.database, app.deps.clock, templates(), extras=web_extras(app))
    app.webhook_mount = shared_webhook(app)
    return WebServer(ctx, extra_routes=app.webhook_mount.add_route if app.webhook_mount else None)

