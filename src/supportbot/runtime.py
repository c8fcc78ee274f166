"""Starting and stopping the bot: schema check, platforms, outbox senders and the scheduler."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from supportbot import bootstrap
from supportbot.bootstrap import App, outbox_sender
from supportbot.bootstrap_serving import Served
from supportbot.chat.outbox_pump import OutboxPump
from supportbot.db import checks
from supportbot.db.checks import DatabaseUnusable as DatabaseUnusable
from supportbot.db.checks import SchemaOutdated as SchemaOutdated
from supportbot.db.console_ids import last_console_message_id
from supportbot.scheduler import make_scheduler

if TYPE_CHECKING:
    from supportbot.web.server import WebServer

log = logging.getLogger(__name__)

# A platform start that cannot reach its servers is tried again, this far apart.
RESTART_FIRST_WAIT = 1.0
RESTART_MAX_WAIT = 60.0
# Queued GitHub calls (fetch a linked PR, open an issue) are looked at this often; each waits its back-off.
GITHUB_CALLS_EVERY = timedelta(seconds=15)


class TokenRefused(Exception):
    """A platform refused the configured bot token: retrying cannot help, so the whole run ends."""


async def prepare_database(app: App) -> None:
    """Check the app's database is usable and its schema current (SQLite is upgraded in place)."""
    await checks.prepare(app.database)


def periodic_jobs(app: App, senders: list, *, after_sweep: Callable[[], None] = lambda: None) -> list:
    """The scheduler's jobs: one outbox flush per platform, the escalation sweep, the shift reminder, the weekly
    digest and the morning summary, and the GitHub link-up's calls and polling."""
    every = app.settings.scheduler.outbox_interval.as_timedelta()
    jobs = [(f"outbox-{s.platform.name}", s.flush, every) for s in senders]
    if app.sweeper is not None:
        sweeper = app.sweeper

        async def sweep() -> None:
            if await sweeper.sweep():
                after_sweep()  # the notices go out now, not on the outbox's next beat
            app.health.swept()

        jobs.append(("sweep", sweep, app.settings.scheduler.sweep_interval.as_timedelta()))
        if app.reminder is not None:
            jobs.append(("shift-reminder", app.reminder.remind, timedelta(minutes=1)))
        # Checked every minute; each goes out once at or after its time (a bot down then sends it when back).
        if app.digest is not None:
            jobs.append(("weekly-digest", app.digest.send_due, timedelta(minutes=1)))
        if app.morning is not None:
            jobs.append(("morning-summary", app.morning.send_due, timedelta(minutes=1)))
    if app.github is not None:  # GitHub's calls, outside every desk transaction; polling without a webhook
        jobs.append(("github-calls", app.github.run_due, GITHUB_CALLS_EVERY))
        if not app.github.plan.webhook:
            jobs.append(("github-poll", app.github.poll, app.settings.github.poll_interval.as_timedelta()
                         if app.settings.github else timedelta(minutes=5)))
    return jobs


async def start_web(web: WebServer | None, say: Callable[[str], None] | None = None) -> bool:
    """Start the web server beside the chat; a taken address is told and the chat goes on without it."""
    if web is None:
        return False
    try:
        await web.start()
    except OSError as err:
        options = web.ctx.options
        line = (f"dashboard not started: cannot listen on {options.listen}:{options.port} ({err.strerror or err}); "
                "set [web] port, or enabled = false")
        log.error(line)
        if say is not None:
            say(line)
        return False
    if say is not None:
        say(f"Dashboard: {web.url}/board (sign in with /dashboard) · public tracker: {web.url}/")
    return True


async def run_console(app: App, *, stream: Any = None, write: Callable[[str], None] = print,
                      echo: bool | None = None, web: WebServer | None = None,
                      say: Callable[[str], None] | None = None) -> None:
    """The local console chat until end of input, and the web server beside it when given."""
    stream = sys.stdin if stream is None else stream
    if hasattr(stream, "reconfigure"):  # a byte that is not UTF-8 becomes U+FFFD, not the end of the session
        stream.reconfigure(errors="replace")
    try:
        await prepare_database(app)
        # Numbers go on after the last session's, so a new message never looks like an old one.
        ids = itertools.count(await last_console_message_id(app.database) + 1)
        chat = bootstrap.console_chat(app, write, ids, echo=(not stream.isatty()) if echo is None else echo)
        scheduler = make_scheduler(periodic_jobs(app, [chat.sender]))
        scheduler.start()
        started = await start_web(web, say)
        try:
            await chat.flush()
            await chat.run(stream)
            await chat.flush()
        finally:
            scheduler.shutdown(wait=False)
            if started and web is not None:
                await web.stop()
    finally:  # an open connection would keep the process alive after an error
        await close_links(app)
        await app.database.dispose()


async def close_links(app: App) -> None:
    """Close the connections to outside services (GitHub's HTTP session)."""
    if app.github is not None:
        await app.github.api.close()


async def run_platforms(app: App, adapters: Callable[[], list[Served]], *, web: WebServer | None = None) -> None:
    """Serve the platforms `adapters` builds (and the web server, when given) until SIGINT or SIGTERM;
    TokenRefused when one refuses its token."""
    started = False
    try:
        await prepare_database(app)
        stop = asyncio.Event()
        _stop_on_signals(stop)
        started = await start_web(web)
        await serve(app, adapters(), stop=stop)
    finally:
        if started and web is not None:
            await web.stop()
        await close_links(app)
        await app.database.dispose()


async def serve(app: App, served: list[Served], *, stop: asyncio.Event,
                pause: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Run the scheduler from the first second and each platform on its own until `stop` is set.

    A platform that cannot connect delays only itself: its messages wait in the outbox while the
    others, the sweep and the reminders go on. A refused token ends the whole run (TokenRefused).
    On stop, platforms still connecting are given up, the outbox flush under way finishes, adapters stop.
    """
    pumps = [OutboxPump(outbox_sender(app, s.adapter.platform), held=True) for s in served]
    for pump in pumps:
        app.health.platform(pump.platform.name, pump.state)
    for s, pump in zip(served, pumps, strict=True):
        if hasattr(s.adapter, "on_commit"):  # the adapter says when it has queued something
            s.adapter.on_commit = pump.wake

    def wake_all() -> None:
        for pump in pumps:
            pump.wake()

    scheduler = make_scheduler(periodic_jobs(app, pumps, after_sweep=wake_all))
    scheduler.start()
    now = datetime.now(UTC)
    for job in scheduler.get_jobs():  # first runs now, not one interval later: overdue work is simply due
        job.modify(next_run_time=now)
    starting = [asyncio.create_task(_keep_starting(s, pump, pause), name=f"start-{s.adapter.platform.name}")
                for s, pump in zip(served, pumps, strict=True)]
    stopped = asyncio.create_task(stop.wait(), name="stop")
    log.info("supportbot running on %s", ", ".join(s.adapter.platform.name for s in served))
    try:
        waiting = {stopped, *starting}
        while not stopped.done():
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopped}:
                task.result()  # a refused token, or a setting to fix, ends the run
    finally:
        for task in (stopped, *starting):
            task.cancel()
        await asyncio.gather(stopped, *starting, return_exceptions=True)
        scheduler.shutdown(wait=False)
        for pump in pumps:
            await pump.close()
        for s in reversed(served):
            try:
                await s.adapter.stop()
            except Exception:  # the others still get their stop
                log.exception("stopping %s failed", s.adapter.platform.name)


async def _keep_starting(served: Served, pump: OutboxPump, pause: Callable[[float], Awaitable[None]]) -> None:
    """Start one platform, trying again while it cannot reach its servers; then let its outbox send."""
    name = served.adapter.platform.name
    wait = RESTART_FIRST_WAIT
    while True:
        try:
            await served.adapter.start()
            break
        except served.refused:
            raise TokenRefused(served.refused_line) from None  # the library's message may quote the token
        except served.transient as error:
            log.warning("%s: start failed (%s); trying again in %.0fs", name, type(error).__name__, wait)
            await pause(wait)
            wait = min(RESTART_MAX_WAIT, wait * 2)
    log.info("%s: started", name)
    pump.release()


def _stop_on_signals(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
