"""supportbot as users start it: `supportbot run` as a process against the fake Bot API. A few smoke tests
(start, SIGKILL and restart, rejected token), and webhook mode in this process; the chat itself is tested
in this process too (test_telegram_chat.py, test_telegram_in_time.py)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.inprocess_fixtures import telegram, telegram_bot  # noqa: F401 (pytest fixtures)
from tests.e2e.support_telegram import (
    COURT,
    DAVE,
    ERIN,
    FRANK,
    NO_TICKET_LIMIT,
    TEAM,
    acks_for,
    add_court_groups,
    config_text,
    free_port,
    populate,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.support.bot_process import BotProcess, wait_until

pytestmark = pytest.mark.e2e
BOT_NAME = "supportbot_test_bot"
REPORT = "Staking on the court page fails with 'execution reverted'. I click Stake, confirm in MetaMask and nothing happens."


@pytest.fixture
def fake():
    with FakeTelegram(bot_username=BOT_NAME) as server:
        populate(server)
        yield server


@pytest.fixture
def start_bot(tmp_path, fake):
    """Start `supportbot run` on a config for this fake; every process is stopped (and its log shown) at the end."""
    procs: list[BotProcess] = []

    def start(bot: BotProcess | None = None, **config) -> BotProcess:
        if bot is None:
            path = tmp_path / "config.toml"
            path.write_text(config_text(tmp_path, fake, **config), encoding="utf-8")
            bot = BotProcess(tmp_path, path)
        if bot not in procs:
            procs.append(bot)
        before = fake.count("setMyCommands"), fake.polls_started
        bot.start()
        wait_until(lambda: polling(fake, before) or not bot.alive(), 30, message="the bot did not come up")
        assert bot.alive(), bot.log()[-4000:]
        return bot

    yield start
    for bot in procs:
        bot.stop()
        print(bot.log()[-6000:])  # shown when the test failed


def polling(fake: FakeTelegram, since: tuple[int, int]) -> bool:
    """A bot started after `since` (setMyCommands calls, getUpdates calls) has published its menus and asks
    for updates: its first long poll has reached the fake (the poll's answer may be seconds away)."""
    return fake.count("setMyCommands") >= since[0] + 4 and fake.polls_started > since[1]


# --- started as users start it (the everyday flow in detail: test_telegram_chat.py) -------------------


def test_started_as_users_start_it_the_bot_acknowledges_a_report(fake, start_bot):
    start_bot()
    report = fake.post_message(COURT, DAVE, REPORT)
    ack = fake.wait_for_message(COURT, "Ticket #1")
    assert ack["reply_to"] == report and ack["text"].startswith("🔴 Ticket #1 received")
    assert [b["callback_data"] for b in ack["buttons"]][0] == "t:1:take"
    fake.wait_for_message(TEAM, "New ticket #1 for Court v2")


# --- durability ---------------------------------------------------------------------------------


def test_sigkill_while_handling_loses_no_update_and_doubles_no_ticket(fake, start_bot, tmp_path):
    groups = add_court_groups(fake, 34)
    # Telegram takes no message before the kill (502), so the count of acknowledgements below is exact.
    fake.fail_next("sendMessage", 502, count=10**6)
    reporters = [DAVE, ERIN, FRANK]
    reports = [(chat, fake.post_message(chat, reporters[i % 3], f"Report {i}: my stake is stuck on the court page"))
               for i in range(3) for chat in groups]  # 102 updates: more than one getUpdates batch
    # (three a group: the acknowledgements after the restart fit Telegram's burst, none waits for the limiter)
    path = tmp_path / "config.toml"
    # Three reporters write 34 reports each at once: the per-reporter ticket limit is off for this flood.
    path.write_text(config_text(tmp_path, fake, more_court_chats=groups, extra=NO_TICKET_LIMIT), encoding="utf-8")
    bot = BotProcess(tmp_path, path).start()
    try:
        wait_until(lambda: len(bot.tickets()) >= 5, 30, interval=0.002, message="no ticket stored")
    finally:
        bot.kill()
    stored = {(chat, message) for _, chat, message in bot.tickets()}
    pending = {(u["message"]["chat"]["id"], u["message"]["message_id"]) for u in fake.pending_updates()}
    print(f"killed with {len(stored)} of {len(reports)} tickets stored, {len(pending)} updates unconfirmed")
    assert 0 < len(stored) < len(reports)  # killed in the middle of handling
    assert set(reports) - stored <= pending  # nothing confirmed to Telegram before it was stored

    with fake.lock:
        fake.failures.clear()
    start_bot(bot)
    fake.wait_for(lambda: all(acks_for(fake, chat, r) for chat, r in reports), timeout=120)
    wait_until(lambda: not fake.pending_updates(), 10, message="updates confirmed after the restart")
    # Nothing more is on its way to the groups (the team chat's notices wait for its 20-a-minute limit).
    wait_until(lambda: bot.outbox_pending(groups) == 0, 30, message="the groups' outbox emptied")
    tickets = bot.tickets()
    assert [n for n, _, _ in tickets] == list(range(1, len(reports) + 1))
    assert sorted((chat, m) for _, chat, m in tickets) == sorted(reports)
    assert [len(acks_for(fake, chat, r)) for chat, r in reports] == [1] * len(reports)


# --- webhook mode (in this process: the same adapter and HTTP server `supportbot run` starts) -----------


async def test_webhook_mode_answers_after_commit_and_checks_the_secret(telegram, telegram_bot):
    port = free_port()
    bot = await telegram_bot(telegram_extra=f'mode = "webhook"\nwebhook_url = "https://bot.example.org/tg/hook"\n'
                                            f'webhook_listen = "127.0.0.1"\nwebhook_port = {port}\n'
                                            f'webhook_secret = "s3cret-token"')
    with telegram.lock:
        assert telegram.webhook["url"] == "https://bot.example.org/tg/hook"
    assert telegram.count("getUpdates") == 0
    report = telegram.post_message(COURT, DAVE, REPORT)
    [update] = telegram.pending_updates()

    async def push(secret: str) -> int:
        async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{port}/tg/hook", json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as answer:
            return answer.status

    assert await push("wrong") == 403
    assert await bot.tickets() == []
    assert await push("s3cret-token") == 200
    assert await bot.tickets() == [(1, COURT, report)]  # stored before the answer
    assert await push("s3cret-token") == 200  # Telegram delivers the same update again
    await bot.settle()
    assert await bot.tickets() == [(1, COURT, report)]
    assert len(acks_for(telegram, COURT, report)) == 1


def test_a_rejected_token_stops_the_bot_without_logging_it(fake, tmp_path):
    path = tmp_path / "config.toml"
    wrong = "7000000001:AAWrongTokenNeverToBeLogged_000000000"
    path.write_text(config_text(tmp_path, fake).replace(fake.token, wrong), encoding="utf-8")
    bot = BotProcess(tmp_path, path).start()
    wait_until(lambda: not bot.alive(), 30, message="the bot kept running with a rejected token")
    assert bot.proc.returncode != 0
    assert "Telegram rejected the bot token" in bot.log() and wrong not in bot.log()
    assert fake.count("getMe", 401) == 1
