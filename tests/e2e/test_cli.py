"""`supportbot tickets` and `supportbot ticket N` read the desk a console session left behind."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import pytest

from support.cli import run_supportbot
from tests.fakes.telegram_api import FakeTelegram

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


def test_an_unknown_product_is_refused_clearly(desk: Path) -> None:
    done = run_supportbot("tickets", "--product", "nope", cwd=desk)

    assert done.returncode == 2
    assert done.stderr.strip() == "Unknown product 'nope'; use one of: court, curate."


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    done = run_supportbot("--version", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"supportbot {version('supportbot')}"


def test_a_missing_database_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    url = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'supportbot.db'}"}

    for args in (("run",), ("db", "upgrade"), ("tickets",)):
        done = run_supportbot(*args, cwd=tmp_path, stdin="hello\n", env=url)

        assert done.returncode == 2, args
        assert f"The database folder {tmp_path / 'gone'} does not exist" in done.stderr, args
        assert "Traceback" not in done.stderr, args
    assert not (tmp_path / "gone").exists()


def test_a_read_only_database_is_one_line_naming_it(tmp_path: Path) -> None:
    assert run_supportbot("db", "upgrade", cwd=tmp_path).returncode == 0
    database = tmp_path / "supportbot.db"
    with read_only(database):
        done = run_supportbot("run", cwd=tmp_path, stdin="/in court\nThe court page fails\n")

    assert done.returncode == 2
    assert f"The database {database} is read-only" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_console_start_line_hides_the_database_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://supportbot:hunter2@127.0.0.1:9/desk"  # nothing listens on port 9

    done = run_supportbot("run", cwd=tmp_path, stdin="", env={"DATABASE_URL": url})

    assert "starting the local console chat on postgresql+asyncpg://supportbot:***@127.0.0.1:9/desk" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert done.returncode == 2 and "Cannot open the database postgresql+asyncpg://supportbot:***@" in done.stderr
    assert "Traceback" not in done.stderr


def test_downgrade_asks_first_and_refuses_unknown_revisions(upgraded_folder: Path) -> None:
    # Its supportbot.db is as `supportbot db upgrade` leaves it (that command: test_migrations.py, the tests above).
    unknown = run_supportbot("db", "downgrade", "nope", "--yes", cwd=upgraded_folder)
    declined = run_supportbot("db", "downgrade", "base", cwd=upgraded_folder, stdin="n\n")
    kept = schema_revision(upgraded_folder / "supportbot.db")
    confirmed = run_supportbot("db", "downgrade", "base", "--yes", cwd=upgraded_folder)

    assert unknown.returncode == 2 and unknown.stderr.strip().startswith("Unknown revision 'nope'")
    assert declined.returncode == 1 and "drops" in declined.stdout and kept is not None
    assert confirmed.returncode == 0 and schema_revision(upgraded_folder / "supportbot.db") is None


def test_a_rejected_telegram_token_ends_the_run_in_one_line(tmp_path: Path) -> None:
    fake = FakeTelegram().start()
    try:
        config = tmp_path / "config.toml"
        config.write_text(f'[telegram]\ntoken = "7000000001:NotTheTokenTheFakeKnows"\n'
                          f'api_base_url = "{fake.base_url}"\n', encoding="utf-8")
        done = run_supportbot("run", "--config", str(config), cwd=tmp_path)
    finally:
        fake.stop()

    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "Telegram rejected the bot token (401)"
    assert "Traceback" not in done.stderr and "NotTheTokenTheFakeKnows" not in done.stderr


def schema_revision(path: Path) -> str | None:
    """The alembic revision stored in a SQLite database, read straight from the file."""
    with sqlite3.connect(path) as db:
        try:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


@contextmanager
def read_only(path: Path):
    """The file read-only for this user; for root (who writes anyway) also immutable, or the test is skipped."""
    path.chmod(0o444)
    immutable = os.geteuid() == 0
    if immutable and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        path.chmod(0o644)
        pytest.skip("running as root without the right to make a file immutable (chattr +i): "
                    "root writes read-only files anyway")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)
