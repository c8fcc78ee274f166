"""Parked events: stored with a short error, listed without their text, shown redacted, replayed or dropped."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from supportbot.cli import app as cli
from supportbot.db import migrate
from supportbot.db.engine import Database
from supportbot.domain import texts
from supportbot.services import dead_letters
from tests.support.fake_uow import FakeStore

SEED = ("abandon ability able about above absent absorb abstract absurd abuse access accident "
        "acid acoustic acquire across")
UPDATE = {"update_id": 77, "message": {"message_id": 5, "chat": {"id": -100101}, "text": f"my words {SEED}"}}


async def park(store, clock, ref: str = "77", error: Exception | None = None) -> int:
    return await dead_letters.park(store, clock, platform="telegram", kind="update", ref=ref,
                                   payload=json.dumps(UPDATE), chat_id=-100101,
                                   error=dead_letters.describe(error or RuntimeError("desk broke")))


def test_an_error_is_one_short_line_without_the_sql_and_its_parameters():
    db_error = Exception("(sqlite3.IntegrityError) NOT NULL constraint failed\n[SQL: INSERT ...]\n"
                         "[parameters: ('my secret words',)]")
    assert dead_letters.describe(db_error) == "Exception: (sqlite3.IntegrityError) NOT NULL constraint failed"
    quoted = ValueError("invalid input for query argument $3: 'the whole report text the user wrote'")
    assert "the whole report" not in dead_letters.describe(quoted)
    assert dead_letters.describe(KeyError()) == "KeyError"


async def test_parked_once_listed_replayed_and_dropped(clock):
    store = FakeStore()
    first = await park(store, clock)
    assert await park(store, clock) is None  # the same event parked again (redelivered) is one letter
    second = await park(store, clock, ref="78")
    assert [x.id for x in await dead_letters.waiting(store)] == [first, second]

    await dead_letters.request_replay(store, first)
    await dead_letters.drop(store, second)
    handled = []

    async def rehandle(letter):
        handled.append(letter.ref)

    assert await dead_letters.replay_requested(store, clock, platform="telegram", rehandle=rehandle) == 1
    assert handled == ["77"]
    assert [(x.id, x.status) for x in await dead_letters.waiting(store, everything=True)] == [
        (first, "replayed"), (second, "dropped")]
    assert await dead_letters.waiting(store) == []
    with pytest.raises(dead_letters.LetterNotWaiting, match="only a parked one can be replayed"):
        await dead_letters.request_replay(store, first)
    with pytest.raises(dead_letters.LetterNotFound, match="No dead letter #99"):
        await dead_letters.drop(store, 99)


async def test_a_replay_that_fails_again_is_parked_again(clock):
    store = FakeStore()
    letter_id = await park(store, clock)
    await dead_letters.request_replay(store, letter_id)

    async def still_broken(letter):
        raise RuntimeError("still broken")

    assert await dead_letters.replay_requested(store, clock, platform="telegram", rehandle=still_broken) == 0
    parked_again = await dead_letters.get(store, letter_id)
    assert parked_again.status == "parked"
    assert parked_again.error == "RuntimeError: still broken"  # the list shows why it failed this time
    assert await dead_letters.replay_requested(store, clock, platform="discord", rehandle=still_broken) == 0


# --- the command line, on a real SQLite file ------------------------------------------------------


@pytest.fixture
def config(tmp_path, clock):
    url = f"sqlite+aiosqlite:///{tmp_path / 'supportbot.db'}"
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")

    async def seed():
        db = Database.from_url(url)
        await migrate.upgrade(db.engine)
        await park(db, clock)
        await dead_letters.park(db, clock, platform="discord", kind="message", ref="9", payload="{}",
                                error="OSError: disk full")
        await db.dispose()

    asyncio.run(seed())
    return str(path)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def test_cli_lists_parked_events_without_their_text(config):
    done = invoke("dead-letters", "--config", config)
    assert done.exit_code == 0, done.output
    for column in ("id", "platform", "kind", "ref", "chat", "when", "error"):
        assert column in done.output
    assert "telegram" in done.output and "-100101" in done.output and "RuntimeError: desk broke" in done.output
    assert "discord" in done.output and "OSError: disk full" in done.output
    assert "my words" not in done.output and "abandon" not in done.output


def test_cli_shows_one_with_secrets_redacted(config):
    done = invoke("dead-letters", "show", "1", "--config", config)
    assert done.exit_code == 0, done.output
    assert "my words" in done.output and "[redacted]" in done.output and "abandon ability" not in done.output
    assert "RuntimeError: desk broke" in done.output


def test_cli_replay_and_drop_then_the_list_says_so(config):
    assert invoke("dead-letters", "replay", "1", "--config", config).exit_code == 0
    assert "will be replayed" in invoke("dead-letters", "replay", "2", "--config", config).output
    dropped = invoke("dead-letters", "drop", "2", "--config", config)
    assert dropped.exit_code == 0 and "Dead letter #2 dropped." in dropped.output
    listed = invoke("dead-letters", "--all", "--config", config).output
    assert "replay" in listed and "dropped" in listed
    again = invoke("dead-letters", "drop", "2", "--config", config)
    assert again.exit_code == 2 and texts.DEAD_LETTER_NOT_WAITING.format(id=2, status="dropped", action="dropped") in again.output


def test_cli_refuses_unknown_ids_in_one_line(config):
    for action in ("show", "replay", "drop"):
        done = invoke("dead-letters", action, "42", "--config", config)
        assert done.exit_code == 2
        assert done.output.strip() == texts.DEAD_LETTER_NOT_FOUND.format(id=42)
