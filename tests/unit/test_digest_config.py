"""[digest] and the per-product digest chats: the schedule's format, and a digest never in a public channel."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from support.cli import run_supportbot
from supportbot.bootstrap import build_app
from supportbot.bootstrap_rules import build_directory
from supportbot.config import load_settings
from supportbot.domain.digest_schedule import WeeklySlot
from tests.unit.test_config_refusals import BASE, refusal, write

COURT = 'key = "court"\nname = "Court v2"\nowners = ["Carol"]\n'


def with_digest_chats(telegram: int | None = None, discord: int | None = None) -> str:
    lines = ([f"digest_telegram_chat = {telegram}"] if telegram is not None else []) + (
        [f"digest_discord_channel = {discord}"] if discord is not None else [])
    return BASE.replace(COURT, COURT + "".join(f"{line}\n" for line in lines))


@pytest.mark.parametrize(("telegram", "discord"), [
    (-100500, 3001),  # the team chat
    (1003, None),  # a private chat (the owner's user id on Telegram)
    (-100555, 3555),  # a chat of the owners that has no other role
])
def test_a_products_digest_goes_to_the_team_chat_or_a_private_chat(tmp_path: Path, telegram: int,
                                                                    discord: int | None) -> None:
    settings = load_settings(write(tmp_path, with_digest_chats(telegram, discord)), env={})

    court = build_directory(settings, {"telegram", "discord"}).product("court")
    assert court is not None
    assert court.digest_chats == {"telegram": telegram, **({"discord": discord} if discord else {})}
    # Only the platforms that run have one.
    assert build_directory(settings, {"telegram"}).product("court").digest_chats == {"telegram": telegram}


@pytest.mark.parametrize(("telegram", "discord", "key", "role"), [
    (-100101, None, "products.court.digest_telegram_chat", "product court's support chat"),
    (-100102, None, "products.court.digest_telegram_chat", "product curate's support chat"),
    (None, 3900, "products.court.digest_discord_channel", "an emergency chat"),
    (-100700, None, "products.court.digest_telegram_chat", "the security team's chat"),
])
def test_a_digest_chat_with_another_role_is_refused_naming_the_key(tmp_path: Path, telegram: int | None,
                                                                   discord: int | None, key: str, role: str) -> None:
    lines = refusal(tmp_path, with_digest_chats(telegram, discord))

    assert len(lines) == 1 and lines[0].startswith(f"{key}: ")
    assert role in lines[0] and "team chat or a private chat only" in lines[0]


def test_the_schedule_is_read_as_a_weekday_and_a_local_time(tmp_path: Path) -> None:
    text = BASE + '\n[digest]\nwhen = "fri 16:30"\ntop_untriaged = 3\n'

    app = build_app(load_settings(write(tmp_path, text), env={}), {"console"})

    assert app.desk.digest.slot == WeeklySlot(4, time(16, 30))
    assert app.desk.digest.top_untriaged == 3 and app.digest is not None and app.morning is not None


@pytest.mark.parametrize(("when", "reason"), [
    ("monday 9:00", "is not a weekday and a 24-hour time"),
    ("xyz 09:00", "'xyz' is not a weekday"),
    ("mon 25:00", "25:00 is not a time of day"),
])
def test_a_bad_schedule_is_refused_naming_the_key(tmp_path: Path, when: str, reason: str) -> None:
    lines = refusal(tmp_path, BASE + f'\n[digest]\nwhen = "{when}"\n')

    assert len(lines) == 1 and lines[0].startswith("digest.when") and reason in lines[0]


def test_with_the_digest_off_neither_job_runs_but_digest_still_answers(tmp_path: Path) -> None:
    app = build_app(load_settings(write(tmp_path, BASE + "\n[digest]\nenabled = false\n"), env={}), {"console"})

    assert app.digest is None and app.morning is None
    assert app.desk.digest.slot == WeeklySlot(0, time(9))


def test_check_config_summarises_the_digest(tmp_path: Path) -> None:
    path = write(tmp_path, with_digest_chats(1003) + '\n[digest]\nwhen = "fri 16:30"\ntop_untriaged = 3\n')

    done = run_supportbot("check-config", str(path), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert ("Digest: fri 16:30 (Europe/Paris), 3 untriaged listed, 1 product(s) with a digest chat; morning summary "
            "at 09:00 on business days") in done.stdout
