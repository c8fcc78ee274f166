"""The one place that turns config into wired objects: the app (database, rules, services, the console
chat). What `supportbot run` serves besides it (platform adapters, the web server) is in bootstrap_serving."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from supportbot.bootstrap_rules import (
    build_calendar,
    build_directory,
    build_policy,
    build_rotation,
    build_satisfaction,
    build_ticket_limit,
    console_chat_ids,
)
from supportbot.chat.console import ConsoleChat, ConsolePlatform
from supportbot.chat.outbox_sender import OutboxSender, SenderPolicy
from supportbot.config import Settings
from supportbot.config_playbook import faq_entries
from supportbot.db import checks
from supportbot.db.engine import Database
from supportbot.domain.digest_schedule import parse_when
from supportbot.services.after_delivery import AfterDelivery
from supportbot.services.clocks import Clocks
from supportbot.services.context import Deps
from supportbot.services.desk import Desk
from supportbot.services.digest import DigestPlan, WeeklyDigest
from supportbot.services.escalation import Sweeper
from supportbot.services.github_calls import GithubLink
from supportbot.services.github_ports import GithubApi
from supportbot.services.github_sync import GithubPlan
from supportbot.services.health import Health
from supportbot.services.morning_summary import MorningSummary
from supportbot.services.notify import Notifier
from supportbot.services.oncall import OnCallCommands
from supportbot.services.oncall_roster import Roster
from supportbot.services.outbox import ChatPlatform
from supportbot.services.ports import Clock, SystemClock
from supportbot.services.shift_reminder import ShiftReminder
from supportbot.services.telemetry import Telemetry

if TYPE_CHECKING:
    from supportbot.chat.telegram.webhook import WebhookMount


def sender_policy(settings: Settings) -> SenderPolicy:
    """Retry policy of the outbox senders, from [outbox]."""
    return SenderPolicy(
        max_attempts=settings.outbox.max_attempts,
        first_backoff=settings.outbox.first_backoff.as_timedelta().total_seconds(),
        max_backoff=settings.outbox.max_backoff.as_timedelta().total_seconds(),
        outage_max_wait=settings.outbox.outage_max_wait.as_timedelta().total_seconds(),
        fold_after=settings.outbox.fold_after.as_timedelta().total_seconds(),
        parallel_chats=settings.outbox.parallel_chats,
        fold_bursts_from=settings.outbox.fold_bursts_from,
        max_per_chat=settings.outbox.max_per_chat,
    )


def platforms_of(settings: Settings) -> set[str]:
    """The chat platforms with a token; the console when there is none."""
    chosen = {name for name, on in (("telegram", settings.telegram_enabled),
                                    ("discord", settings.discord_enabled)) if on}
    return chosen or {"console"}


@dataclass
class App:
    """The wired desk and its database."""

    settings: Settings
    database: Database
    deps: Deps
    desk: Desk
    platforms: set[str]
    health: Health  # what /healthz says besides the database: the sweep's last run, each platform's state
    sweeper: Sweeper | None = None
    reminder: ShiftReminder | None = None  # the end-of-shift job, when a rotation is configured
    digest: WeeklyDigest | None = None  # the weekly digest's job, unless [digest] is off
    morning: MorningSummary | None = None  # the owners' morning summary's job, unless [digest] is off
    github: GithubLink | None = None  # the GitHub link-up's calls and polling, with a [github] section
    telemetry: Telemetry = field(default_factory=Telemetry)  # the adapters' API errors and handling times
    webhook_mount: WebhookMount | None = None  # set by web_server when the Telegram webhook shares its address


def build_app(settings: Settings, platforms: set[str], *, clock: Clock | None = None,
              database: Database | None = None, github_api: GithubApi | None = None) -> App:
    """Wire database, clocks, directory, notifier and desk for the given platforms (GitHub's calls on
    `github_api` when given: the demo's stand-in)."""
    database = database or Database.from_url(settings.database.url.get_secret_value())
    directory = build_directory(settings, platforms)
    clocks = Clocks(build_calendar(settings), build_policy(settings))
    clock = clock or SystemClock()
    roster = Roster(directory, build_rotation(settings)) if settings.oncall.rotation else None
    deps = Deps(
        uow=database, clock=clock, directory=directory, clocks=clocks,
        notifier=Notifier(directory, clocks, clock=clock), disclosure_url=settings.security.disclosure_url,
        faq=faq_entries(settings.faq), oncall=roster,
        public_url=settings.web.public_url if settings.web.enabled else "",  # no board: /dashboard says so
        satisfaction=build_satisfaction(settings), ticket_limit=build_ticket_limit(settings),
    )
    health = Health(clock, sweep_interval=settings.scheduler.sweep_interval.as_timedelta(), platforms=platforms,
                    outbox_max_per_chat=settings.outbox.max_per_chat)
    plan = DigestPlan(parse_when(settings.digest.when), settings.digest.top_untriaged)
    on = settings.digest.enabled
    digest, morning = (WeeklyDigest(deps, plan), MorningSummary(deps)) if on else (None, None)
    github = github_link(settings, deps, github_api)
    if github is not None:
        health.link("github", github.state)
    github_plan = github.plan if github else None
    if roster is None:
        return App(settings, database, deps, Desk(deps, digest=plan, github=github_plan), platforms, health,
                   sweeper=Sweeper(deps), digest=digest, morning=morning, github=github)
    reminder = ShiftReminder(deps, roster, remind_before=settings.oncall.remind_before.as_timedelta())
    desk = Desk(deps, oncall=OnCallCommands(deps, roster), digest=plan, github=github_plan)
    return App(settings, database, deps, desk, platforms, health, sweeper=Sweeper(deps), reminder=reminder,
               digest=digest, morning=morning, github=github)


def github_plan(settings: Settings) -> GithubPlan | None:
    """The [github] section as the services take it; None when it is absent."""
    conf = settings.github
    if conf is None:
        return None
    web = settings.web
    return GithubPlan(repos={p.key: tuple(p.github_repos) for p in settings.products},
                      webhook=bool(conf.webhook_secret and conf.webhook_secret.get_secret_value()),
                      tracker_url=web.public_url if web.enabled and web.public_tracker else "")


def github_link(settings: Settings, deps: Deps, api: GithubApi | None = None) -> GithubLink | None:
    """The GitHub link-up on its REST client (or `api`, in tests); None without a [github] section."""
    plan, conf = github_plan(settings), settings.github
    if plan is None or conf is None:
        return None
    if api is None:
        from supportbot.github_link.rest_client import GithubOptions, RestClient

        token = conf.token.get_secret_value() if conf.token else None
        api = RestClient(GithubOptions(conf.api_base_url, token, conf.timeout.as_timedelta().total_seconds()))
    return GithubLink(deps, plan, api)


@asynccontextmanager
async def opened(settings: Settings, *, clock: Clock | None = None,
                 github_api: GithubApi | None = None) -> AsyncIterator[App]:
    """The console desk on its database, checked (SQLite upgraded) for use: the shell commands and the demo."""
    app = build_app(settings, {"console"}, clock=clock, github_api=github_api)
    try:
        await checks.prepare(app.database)
        yield app
    finally:  # an open connection would keep the process alive after an error
        await app.database.dispose()


def console_chat(app: App, write: Callable[[str], None], ids: itertools.count[int], *, echo: bool,
                 images: Path | None = None) -> ConsoleChat:
    """The console chat on the app's desk, with its outbox sender writing to `write` (and images to `images`,
    by default beside the database)."""
    places = console_chat_ids(app.settings)
    platform = ConsolePlatform(write, {v: k for k, v in places.items()}, ids,
                               files=images or image_folder(app.settings))
    return ConsoleChat(app.desk, outbox_sender(app, platform), places, write, ids, echo=echo, telemetry=app.telemetry)


def image_folder(settings: Settings) -> Path:
    """Where the console writes images (the digest's chart): beside a SQLite database file, else in the temp folder."""
    url = make_url(settings.database.url.get_secret_value())
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "supportbot-images"
    return Path(tempfile.gettempdir()) / "supportbot-images"


def outbox_sender(app: App, platform: ChatPlatform) -> OutboxSender:
    """The outbox sender for one platform, with the policy from config and the desk's rules for outcomes."""
    return OutboxSender(platform, uow=app.database, clock=app.deps.clock, policy=sender_policy(app.settings),
                        after=AfterDelivery(app.deps.notifier))
