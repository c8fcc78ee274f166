"""`supportbot demo`: a scripted conversation through the real desk, on a temporary database, with its web
server listening so that GitHub's webhook deliveries (github_walk.py) reach it as they would in production."""

from __future__ import annotations

import io
import itertools
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from supportbot.bootstrap import App, console_chat, opened
from supportbot.bootstrap_serving import web_server
from supportbot.chat.console import ConsoleChat
from supportbot.config import EmergencyPolicy, Settings
from supportbot.config_playbook import GithubConfig
from supportbot.demo.github_walk import DEMO_REPO, Deliveries, StandInGithub

# Monday 7 Dec 2026, 10:00 in Paris: inside business hours, so the normal clock runs.
DEMO_START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

SCRIPT = """\
# A reporter describes a problem in the Court support channel.
/in court
/as dave
Staking on the court page fails with "execution reverted" on mainnet. I click Stake, confirm in MetaMask and nothing happens.
thanks!
# The team takes it from the team chat.
/in team
/as Alice
/tickets
/take 1
/status 1 in_progress
/pr 1 https://github.com/kleros/kleros-v2/pull/1234
/status 1 in_progress pr_review
/status 1 fix_provided deployed to staging
# The reporter is asked whether the fix works (#16), says so with its button, then rates it (#17) and adds a word.
/in court
/as dave
/click 16 confirm_fixed
/click 17 rate_5
>>17 Quick and clear, thanks!
/in team
/as Alice
/ticket 1
# A reporter tries a team command.
/in court
/as dave
/take 1
# Who is on call? Anyone may ask.
/oncall
# An emergency. The demo squeezes the emergency clock to 10 minutes (the playbook says 1 hour).
/in emergency
/as erin
/emergency Withdrawals from the Court v2 vault revert for everyone since today's deploy, funds are stuck!
# Nobody answers: the sweep tags the on-call team, once per missed interval.
/wait 600
/wait 600
# Bob, on call, takes it; from now on the clock watches for silence instead.
/in team
/as Bob
/take 2
/wait 600
/status 2 fix_provided hotfix deployed
/resolve 2 fixed
# Resolved: the clock has stopped, so waiting brings no more tags.
/wait 1800
# Two more reports; Bob takes both, keeps one, and hands his shift over to Alice.
/in curate
/as frank
The Curate list page shows a blank screen in Firefox 120 when I open my submissions.
/in court
/as grace
My juror rewards from the last session never arrived, account 0x52908400098527886E0F7030069857D2E4169EE7.
/in team
/as Bob
/take 3
/take 4
/keep 4
/handoff Alice going offline; #3 needs a Firefox repro
/oncall
# Carol, the products' owner, triages what is still open and reads the backlog: p1 first, untriaged last.
/as Carol
/priority 4 p1
/priority 3 p3
/backlog
# Carol asks for the week so far as the weekly digest tells it, chart included.
/digest
# GitHub alone moves the next ticket: the demo posts GitHub's signed webhook deliveries to its own web server.
/in court
/as heidi
The appeal countdown on the case page shows 00:00 although the appeal period has two days left.
# Alice opens a GitHub issue for it; GitHub's calls are made by a scheduler job, outside the desk's work.
/in team
/as Alice
/issue 5
/wait 120
# A pull request naming the ticket opens (⭕️ PR in review), is merged (🟡), and the issue is closed (🟢).
/github pull_request opened 7 Fix the appeal countdown's time zone. Fixes support#5
/github pull_request merged 7
/github issues closed 41
/ticket 5
"""
DEMO_IMAGES = Path(tempfile.gettempdir()) / "supportbot-demo"
# Short enough that the demo shows an emergency escalating within minutes of transcript.
DEMO_EMERGENCY_POLICY = EmergencyPolicy(first_response="10m", escalate_every="10m")


class DemoClock:
    """A clock the script moves by hand, so the demo shows the same times on every run."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


async def run_demo(settings: Settings, write: Callable[[str], None] = print, script: str = SCRIPT) -> int:
    """Play the script and print the transcript; 0 when it ran through."""
    with tempfile.TemporaryDirectory(prefix="supportbot-demo-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        github = StandInGithub()
        settings = _demo_settings(settings, url, secret := Deliveries.new_secret())
        clock = DemoClock(DEMO_START)
        async with opened(settings, clock=clock, github_api=github) as app:
            # The digest's chart outlives the demo's database: it goes to the temp folder, not beside it.
            chat = console_chat(app, write, itertools.count(1), echo=True, images=DEMO_IMAGES)
            web = web_server(app)
            if web is None:  # _demo_settings turns it on
                raise RuntimeError("the demo's web server is off")
            await web.start()
            try:
                deliveries = Deliveries(github, web.url, secret)
                for line in io.StringIO(script):
                    await _play(app, chat, clock, deliveries, line.rstrip("\n"), write)
            finally:
                await web.stop()
    return 0


def _demo_settings(settings: Settings, url: str, secret: str) -> Settings:
    """The demo's own: its temporary database, a short emergency clock, the web server on any free port, and
    [github] with this run's webhook secret, court's repository being kleros/kleros-v2."""
    products = [p.model_copy(update={"github_repos": [DEMO_REPO]}) if p.key == "court" else p
                for p in settings.products]
    return settings.model_copy(update={
        "database": settings.database.model_copy(update={"url": settings.database.url.__class__(url)}),
        "policy": settings.policy.model_copy(update={"emergency": DEMO_EMERGENCY_POLICY}),
        "web": settings.web.model_copy(update={"enabled": True, "listen": "127.0.0.1", "port": 0}),
        "products": products,
        "github": GithubConfig(webhook_secret=SecretStr(secret)),
    })


async def _play(app: App, chat: ConsoleChat, clock: DemoClock, deliveries: Deliveries, line: str,
                write: Callable[[str], None]) -> None:
    """One line of the script: a comment, a wait, a GitHub delivery, or what someone types."""
    if line.startswith("# "):
        write(f"\n── {line[2:]}")
    elif line.startswith("/wait "):
        await _wait(app, chat, clock, line, write)
    elif line.startswith("/github "):
        clock.advance(60)
        write(await deliveries.play(line))
        await chat.flush()
    else:
        clock.advance(60)  # people take a minute to type
        await chat.handle(line)


async def _wait(app: App, chat: ConsoleChat, clock: DemoClock, line: str, write: Callable[[str], None]) -> None:
    """`/wait 3600` moves the clock and runs the sweep, the shift reminder and GitHub's calls as the scheduler
    would."""
    seconds = float(line.split()[1])
    clock.advance(seconds)
    write(f"   (… {int(seconds // 60)} minutes later)")
    if app.sweeper is not None:
        await app.sweeper.sweep()
    if app.reminder is not None:
        await app.reminder.remind()
    if app.github is not None:
        await app.github.run_due()
    await chat.flush()
