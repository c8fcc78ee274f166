"""`supportbot demo` and `supportbot run` on the console chat: a first session started as a user starts it,
then sessions held in this process the way `supportbot run` holds them without a config."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from pathlib import Path

import pytest

from support.cli import run_supportbot
from supportbot import runtime
from supportbot.bootstrap import build_app
from supportbot.config import load_settings

pytestmark = pytest.mark.e2e

REPORT = "On the court page I click Stake and get an error"
# The console numbers every message in one sequence: the report is #1 and its card #2.
CONVERSATION = f"""\
/in court
/as dave
{REPORT}
/as Alice
/take 1
/status 1 in_progress
>>2 Could you send your wallet address?
/resolve 1 fixed
/ticket 1
"""


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory):
    """One console session in a fresh folder with no config: (folder, finished process)."""
    folder = tmp_path_factory.mktemp("console")
    return folder, run_supportbot("run", cwd=folder, stdin=CONVERSATION)


def console_session(folder: Path, typed: str | bytes) -> str:
    """A console session in `folder` on the embedded default config, typed on stdin; what it printed."""
    lines: list[str] = []
    stream = io.TextIOWrapper(io.BytesIO(typed.encode("utf-8") if isinstance(typed, str) else typed), encoding="utf-8")
    with contextlib.chdir(folder):  # the default database is ./supportbot.db
        app = build_app(load_settings(None, env={}), {"console"})
        asyncio.run(runtime.run_console(app, stream=stream, write=lines.append))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """`supportbot demo` run once in a fresh folder: (folder, finished process)."""
    folder = tmp_path_factory.mktemp("demo")
    return folder, run_supportbot("demo", cwd=folder)


def test_demo_plays_a_whole_ticket_lifecycle(demo_run) -> None:
    tmp_path, done = demo_run

    assert done.returncode == 0, done.stderr
    for line in ("🔴 Ticket #1 received", "⭕️ Ticket #1 in progress", "🟡 Ticket #1 fix provided",
                 "🟢 Ticket #1 resolved"):
        assert line in done.stdout
    assert "⚠️ Only the support team can use /take." in done.stdout
    # The demo's database is temporary; the folder is also HOME, where matplotlib keeps its settings and
    # font cache once the digest's chart is drawn.
    assert [p.name for p in tmp_path.iterdir() if p.name not in (".config", ".cache")] == []
    chart = re.search(r"🖼 image saved: (\S+\.png)", done.stdout)
    assert "📬 Digest, this week so far: Mon 7 Dec" in done.stdout and chart and Path(chart.group(1)).is_file()


def test_demo_moves_a_ticket_from_received_to_resolved_by_github_deliveries_alone(demo_run) -> None:
    _, done = demo_run
    walk = done.stdout.split("── GitHub alone moves the next ticket")[1]

    # Each step is a signed delivery the demo's own web server accepted, then the ticket's move it caused.
    steps = ["🔴 Ticket #5 received",
             "GitHub → pull_request opened #7, signed: 200 pull request kleros/kleros-v2#7 opened: 1 ticket(s) moved",
             "⭕️ Ticket #5 in progress · PR in review (by GitHub (alice-dev)).",
             "GitHub → pull_request closed (merged) #7, signed: 200 pull request kleros/kleros-v2#7 closed: "
             "1 ticket(s) moved",
             "🟡 Ticket #5 fix provided (by GitHub (bob-dev)).",
             "GitHub → issues closed #41, signed: 200 issue kleros/kleros-v2#41 closed: 1 ticket(s) resolved",
             "🟢 Ticket #5 resolved as fixed (by GitHub (bob-dev))."]
    places = [walk.find(step) for step in steps]
    assert -1 not in places and places == sorted(places), list(zip(steps, places, strict=True))
    # The team only asked for the GitHub issue and read the card: no command of theirs moved #5.
    assert re.findall(r"\] #\d+ Alice: (/\w+) 5\b", walk) == ["/issue", "/ticket"]
    assert "GitHub issue kleros/kleros-v2#41 opened for ticket #5" in walk
    assert "GitHub (bob-dev) · status: fix_provided: PR kleros/kleros-v2#7 merged by bob-dev" in walk
    assert "GitHub (bob-dev) · resolve: fixed: GitHub issue kleros/kleros-v2#41 closed" in walk


def test_run_without_config_starts_the_console_chat(first_run) -> None:
    folder, done = first_run

    assert done.returncode == 0, done.stderr
    assert "starting the local console chat" in done.stderr
    assert "Traceback" not in done.stderr
    assert (folder / "supportbot.db").exists()


def test_a_report_gets_a_card_and_the_team_is_told(first_run) -> None:
    _, done = first_run

    assert f"[court] #1 dave: {REPORT}" in done.stdout
    assert "[court] #2 supportbot ↩ #1: 🔴 Ticket #1 received — Court v2 · 🐛 normal" in done.stdout
    assert "• the affected account (0x address)" in done.stdout
    assert "[✋ Take] [⭕️ In progress] [🟡 Fix provided] [🟢 Resolved]" in done.stdout
    assert "[team] #3 supportbot: 🐛 New ticket #1 for Court v2 (owner: Carol)" in done.stdout


def test_the_team_moves_the_ticket_and_the_card_follows(first_run) -> None:
    _, done = first_run

    assert "✋ Ticket #1 taken by Alice." in done.stdout
    assert "⭕️ Ticket #1 in progress (by Alice)." in done.stdout
    assert "[court] ✏️ #2 now reads: ⭕️ Ticket #1 in progress" in done.stdout
    assert "🟢 Ticket #1 resolved as fixed (by Alice)." in done.stdout
    assert "[court] ✏️ #2 now reads: 🟢 Ticket #1 resolved" in done.stdout


def test_a_reply_to_the_card_lands_in_the_tickets_history(first_run) -> None:
    _, done = first_run

    assert "Alice ↩ #2: Could you send your wallet address?" in done.stdout
    history = done.stdout.split("History:", 1)[1]
    assert "· dave · created: normal ticket from console" in history
    assert "· Alice · first_response: take" in history
    assert "· Alice · reply: Could you send your wallet address?" in history
    assert "· Alice · resolve: fixed" in history


def test_the_ticket_survives_a_restart(first_run) -> None:
    folder, _ = first_run

    again = console_session(folder, "/as Alice\n/ticket 1\n")

    assert "🟢 Ticket #1 resolved — Court v2" in again
    assert "Resolution: fixed" in again and "Reported by dave on console" in again


def test_a_reporter_is_refused_a_team_command_in_one_line(tmp_path: Path) -> None:
    done = console_session(tmp_path, f"/in court\n/as dave\n{REPORT}\n/take 1\n")

    assert "supportbot ↩ #4: ⚠️ Only the support team can use /take." in done


def test_a_malformed_command_shows_its_usage(tmp_path: Path) -> None:
    done = console_session(tmp_path, "/as Alice\n/status one\n")

    assert '⚠️ "one" is not a ticket number. Usage: /status <id>' in done


def test_a_seed_phrase_is_deleted_and_only_the_security_chat_hears_of_it(tmp_path: Path) -> None:
    seed = "legal winner thank year wave sausage worth useful legal winner thank yellow"

    done = console_session(tmp_path, f"/in court\n/as dave\nmy seed is {seed}\n")

    assert "[court] 🗑 message #1 deleted" in done
    assert "[private to user " in done and "Treat that wallet as compromised" in done
    assert "[security] #3 supportbot: 🔴 Ticket #1 received — Court v2 · 🐛 normal · 🛡 security" in done
    typed = f"[court] #1 dave: my seed is {seed}"
    assert typed in done  # the console echoes what dave typed; the bot repeats it nowhere
    assert "sausage" not in done.replace(typed, "")
    assert "my seed is [redacted]" in done  # what the security team sees
    assert not any(line.startswith("[team]") for line in done.splitlines())


def test_a_second_session_numbers_on_after_the_first(first_run) -> None:
    folder, done = first_run
    before = max(int(n) for n in re.findall(r"\] #(\d+) ", done.stdout))

    again = console_session(folder, "/in curate\n/as erin\nThe curate list page shows an error\n")

    number = int(re.search(r"\[curate\] #(\d+) erin: The curate list page", again).group(1))
    assert number > before  # not taken for a redelivery of the first session's message of that number
    assert f"[curate] #{number + 1} supportbot ↩ #{number}: 🔴 Ticket #2 received — Curate" in again


def test_lines_that_cannot_be_handled_get_one_answer_and_the_session_goes_on(tmp_path: Path) -> None:
    huge = "99999999999999999999999"
    typed = (f"/in court\n/as dave\n>>{huge} hi\n/click {huge} take\n/take {huge}\n"
             f"The stake button \xff fails on the court page\n/ticket 1\n").encode("latin-1")

    done = console_session(tmp_path, typed)  # ends normally: an exception would fail the test

    assert f"⚠️ There is no message #{huge} here; nothing was posted." in done
    assert f"Message #{huge} here is not a ticket card." in done
    assert "🔴 Ticket #1 received — Court v2" in done  # the line after the odd byte is a report
    assert "The stake button \ufffd fails on the court page" in done.split("History:", 1)[0]


def test_a_click_on_a_card_presses_its_button_for_the_team_only(tmp_path: Path) -> None:
    # The report is #1 and its card #2, in court; the team notice #3 is in the team chat.
    done = console_session(tmp_path, f"/in court\n/as dave\n{REPORT}\n/click 2 take\n/as Alice\n/click 2 take\n")

    refused, taken = done.split("— you are now Alice (team)")
    assert "[court] supportbot: ⚠️ Only the support team can do that." in refused
    assert "[court] supportbot: ✋ Ticket #1 taken by Alice." in taken
    assert "[court] ✏️ #2 now reads: 🔴 Ticket #1 received" in taken and "Assigned to Alice" in taken


def test_a_click_on_no_card_here_says_so_and_changes_nothing(tmp_path: Path) -> None:
    done = console_session(tmp_path, f"/in court\n/as dave\n{REPORT}\n/as Alice\n/click 50 take\n/click 2 explode\n"
                                     "/click 2\n/in team\n/click 2 take\n/in court\n/ticket 1\n")

    assert "Message #50 here is not a ticket card." in done
    assert "[court] supportbot: ⚠️ That button is no longer valid." in done
    assert "Usage: /click <message number> <take|in_progress|fix_provided|resolved|confirm_fixed|" in done
    assert "Message #2 here is not a ticket card." in done  # #2 is the card in court, not in the team chat
    assert "taken by Alice" not in done and "Assigned to" not in done.split("History:", 1)[0]
