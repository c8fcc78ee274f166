"""`supportbot report` and `supportbot export tickets` read the desk a console session left behind."""

from __future__ import annotations

import csv
import io
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
/resolve 1 answered see the staking FAQ
/as dave
/in court
/reopen 1
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose supportbot.db holds #1 (court, answered then reopened) and #2 (curate, in progress)."""
    folder = tmp_path_factory.mktemp("report")
    done = run_supportbot("run", cwd=folder, stdin=CONVERSATION)
    assert done.returncode == 0, done.stderr
    return folder


def test_the_report_as_json_csv_and_a_table(desk: Path) -> None:
    as_json = run_supportbot("report", "--period", "month", "--format", "json", cwd=desk)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert (report["product"], report["opened"], report["backlog"], report["answered"]) == (None, 2, 2, 2)
    assert (report["reopened"], report["reopen_rate"]) == (1, 0.5)

    court = json.loads(run_supportbot("report", "-p", "court", "--format", "json", cwd=desk).stdout)
    assert (court["product"], court["opened"]) == ("court", 1)

    rows = list(csv.reader(io.StringIO(run_supportbot("report", "--format", "csv", cwd=desk).stdout)))
    assert rows[0] == ["metric", "value"] and ["opened", "2"] in rows and ["csat", ""] in rows

    table = run_supportbot("report", "--period", "year", cwd=desk).stdout
    assert "Support metrics, last year" in table and "Reopen rate" in table and "50% (1 reopened)" in table


@pytest.mark.parametrize("args, said", [
    (("--product", "vault"), "Unknown product 'vault'; pick one of: court, curate."),
    (("--from", "2026-02-30"), "--from must be a date like 2026-11-30, not '2026-02-30'."),
    (("--from", "2026-12-02", "--to", "2026-12-01"), "--from 2026-12-02 is after --to 2026-12-01."),
    (("--period", "month", "--from", "2026-12-01"), "Give --period or --from/--to, not both."),
    (("--to", "2026-12-01"), "--to needs --from (the first day)."),
    (("--period", "fortnight"), "Unknown period 'fortnight'; pick one of: day, week, month, quarter, year."),
    (("--format", "xml"), "Unknown format 'xml'; pick one of: table, csv, json."),
])
def test_bad_input_is_one_line_exit_code_2_and_no_report(desk: Path, args: tuple[str, ...], said: str) -> None:
    done = run_supportbot("report", *args, cwd=desk)
    assert (done.returncode, done.stdout, done.stderr.strip()) == (2, "", said)


def test_the_export_holds_every_ticket_with_its_history(desk: Path) -> None:
    done = run_supportbot("export", "tickets", cwd=desk)
    assert done.returncode == 0, done.stderr
    one, two = (json.loads(line) for line in done.stdout.splitlines())
    assert (one["number"], one["status"], one["reopens"], one["product"]) == (1, "received", 1, "court")
    assert [e["kind"] for e in one["history"]][:1] == ["created"] and "reopen" in [e["kind"] for e in one["history"]]
    assert (two["number"], two["status"], two["first_response_how"]) == (2, "in_progress", "status")

    rows = list(csv.DictReader(io.StringIO(run_supportbot("export", "tickets", "--format", "csv", cwd=desk).stdout)))
    assert [r["number"] for r in rows] == ["1", "2"]
    assert json.loads(rows[0]["history"]) == one["history"] and rows[0]["resolved_at"] == ""

    bad = run_supportbot("export", "tickets", "--format", "xlsx", cwd=desk)
    assert (bad.returncode, bad.stdout, bad.stderr.strip()) == (2, "", "Unknown format 'xlsx'; pick one of: csv, jsonl.")
