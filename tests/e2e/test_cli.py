"""`supportbot tickets` and `supportbot ticket N` read the desk a console session left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli import run_supportbot

pytestmark = pytest.mark.e2e

CONVERSATION = """\
/in court
/as dave
On the court page I click Stake and get an error
/in curate
/as erin
The curate list page shows an error when I submit an item
/as Alice
/status 2 in_progress
/take 2
/resolve 1 answered see the staking FAQ
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose supportbot.db holds #1 (court, resolved) and #2 (curate, in progress)."""
    folder = tmp_path_factory.mktemp("cli")
    done = run_supportbot("run", cwd=folder, stdin=CONVERSATION)
    assert done.returncode == 0, done.stderr
    return folder


def test_tickets_json_lists_open_tickets(desk: Path) -> None:
    done = run_supportbot("tickets", "--json", cwd=desk)

    assert done.returncode == 0, done.stderr
    [ticket] = json.loads(done.stdout)
    assert (ticket["number"], ticket["status"], ticket["product"]) == (2, "in_progress", "curate")
    assert ticket["assignee"] == "Alice" and ticket["reporter"] == "erin"


def test_tickets_json_all_includes_resolved_ones(desk: Path) -> None:
    done = run_supportbot("tickets", "--json", "--all", cwd=desk)

    assert done.returncode == 0, done.stderr
    found = {t["number"]: t for t in json.loads(done.stdout)}
    assert sorted(found) == [1, 2]
    assert (found[1]["status"], found[1]["product"], found[1]["resolution"]) == ("resolved", "court", "answered")


def test_tickets_filters_by_status_and_product(desk: Path) -> None:
    resolved = run_supportbot("tickets", "--json", "--status", "resolved", cwd=desk)
    court = run_supportbot("tickets", "--json", "--all", "--product", "court", cwd=desk)

    assert [t["number"] for t in json.loads(resolved.stdout)] == [1]
    assert [t["number"] for t in json.loads(court.stdout)] == [1]


def test_tickets_prints_a_table(desk: Path) -> None:
    done = run_supportbot("tickets", "--all", cwd=desk)

    assert done.returncode == 0, done.stderr
    assert "2 ticket(s)" in done.stdout
    for header in ("#", "status", "severity", "product", "title", "assignee", "reporter"):
        assert header in done.stdout
    rows = [line for line in done.stdout.splitlines() if "curate" in line]
    assert len(rows) == 1 and "⭕️ in progress" in rows[0] and "Alice" in rows[0] and "erin" in rows[0]


def test_ticket_prints_the_card_and_history(desk: Path) -> None:
    done = run_supportbot("ticket", "1", cwd=desk)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("🟢 Ticket #1 resolved — Court v2 · 🐛 normal")
    assert "Resolution: answered" in done.stdout
    assert "History:" in done.stdout
    assert "· dave · created: normal ticket from console" in done.stdout
    assert "· Alice · resolve: answered: see the staking FAQ" in done.stdout


def test_an_unknown_ticket_is_an_error(desk: Path) -> None:
    done = run_supportbot("ticket", "99", cwd=desk)

    assert done.returncode != 0
    assert "There is no ticket #99" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_status_is_refused_clearly(desk: Path) -> None:
    done = run_supportbot("tickets", "--status", "bogus", cwd=desk)

    assert done.returncode == 2
    assert "Unknown status 'bogus'; use one of: received, in_progress, fix_provided, resolved." in done.stderr
    assert "Traceback" not in done.stderr


def test_a_folder_without_a_desk_has_no_tickets_rather_than_an_error(tmp_path: Path) -> None:
    listed = run_supportbot("tickets", "--json", cwd=tmp_path)
    shown = run_supportbot("ticket", "1", cwd=tmp_path)

    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    assert shown.returncode == 1 and "There is no ticket #1." in shown.stderr
    assert "Traceback" not in listed.stderr + shown.stderr
