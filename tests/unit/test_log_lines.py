"""Log lines as an operator reads or ships them: what each is about, secrets masked whatever the shape they come
in, text or JSON, and `log_format` in the config (or SUPPORTBOT_LOG_FORMAT)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path

import pytest

from supportbot.config import ConfigError, load_settings
from supportbot.logs import context as log_context
from supportbot.logs import output
from supportbot.logs.redaction import MASK, RedactingFilter, Redactor, secret_values

TELEGRAM_TOKEN = "7412345678:AAF3kQ9zXw2LmN8pR4tY6uV1bC5dE7gH0jK"
DISCORD_TOKEN = "MTE4NjQ2NzI5NTc0MDE2NjE0NA.GkP3aQ.xY9vK2mN8pR4tY6uV1bC5dE7gH0jKlMnOpQrS"
GITHUB_TOKEN = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.fixture
def lines():
    """The log set up as `supportbot run` does, into a string per format; put back afterwards."""
    loggers = [logging.getLogger(name) for name in ("", *output.QUIET, *output.PER_CALL)]
    levels = [logger.level for logger in loggers]
    stream = io.StringIO()

    def configure(fmt: str, secrets: tuple[str, ...] = ()) -> io.StringIO:
        output.configure(level="DEBUG", fmt=fmt, secrets=secrets, stream=stream)  # type: ignore[arg-type]
        return stream

    yield configure
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "supportbot"]:
        root.removeHandler(handler)
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    logging.captureWarnings(False)


# --- redaction ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, secret", [
    (f"HTTP Request: POST https://api.telegram.org/bot{TELEGRAM_TOKEN}/getUpdates 200", TELEGRAM_TOKEN),
    (f"identify with {DISCORD_TOKEN}", DISCORD_TOKEN),
    (f"Authorization: Bot {DISCORD_TOKEN[:20]}", DISCORD_TOKEN[:20]),
    (f"calling GitHub with {GITHUB_TOKEN}", GITHUB_TOKEN),
    ("Authorization: token abcdef0123456789", "abcdef0123456789"),
    ("connecting to postgresql+asyncpg://bot:S3cr3t-pw@db:5432/supportbot", "S3cr3t-pw"),
    ("GET /login/q8Jx0v-Z2cKpL4mN6oP8rS0tU2vW4xY6zA8bC0dE1fG", "q8Jx0v-Z2cKpL4mN6oP8rS0tU2vW4xY6zA8bC0dE1fG"),
    ("GET /login?token=q8Jx0v-Z2cKpL4mN6oP8&next=/board", "q8Jx0v-Z2cKpL4mN6oP8"),
    ("setWebhook {'url': 'https://x.org/hook', 'secret_token': 'abc_DEF-123'}", "abc_DEF-123"),
])
def test_secret_shapes_are_masked_where_nobody_configured_them(text: str, secret: str) -> None:
    masked = Redactor()(text)
    assert secret not in masked and MASK in masked


def test_ordinary_lines_are_left_alone() -> None:
    text = ("telegram: update 500000001 in chat -100101 handled in 12.5ms at 13:20:05; ticket #12 "
            "https://support.example.org/board?status=open")
    assert Redactor(["correct-horse-battery"])(text) == text


def test_configured_secrets_are_masked_by_value_also_where_json_or_a_repr_escapes_them() -> None:
    odd = 'pa"ss\\word-with-quotes'
    redact = Redactor([odd, "short", "plain-secret-value"])
    for shown in (odd, json.dumps(odd), repr(odd), json.dumps({"url": f"x://{odd}"})):
        assert redact(shown).count(MASK) == 1 and "word-with-quotes" not in redact(shown), shown
    assert redact("x plain-secret-value y") == f"x {MASK} y"
    assert redact("a short word") == "a short word"  # too short to mask by value: it would blank out words


def test_every_secret_of_the_settings_is_found_with_a_database_password_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'''
[database]
url = "postgresql+asyncpg://bot:Pg%40ss-w0rd-9@db/supportbot"
[telegram]
token = "{TELEGRAM_TOKEN}"
mode = "webhook"
webhook_url = "https://bot.example.org/hook"
webhook_secret = "tg-hook_0123456789"
[discord]
token = "{DISCORD_TOKEN}"
[github]
token = "{GITHUB_TOKEN}"
webhook_secret = "gh-hook-secret-0123"
[web]
secret = "board-sessions-4f9a8c7e6d5b4a39281706f5e4d3c2b1"
''', encoding="utf-8")
    found = set(secret_values(load_settings(path, env={})))
    assert {TELEGRAM_TOKEN, DISCORD_TOKEN, GITHUB_TOKEN, "tg-hook_0123456789", "gh-hook-secret-0123",
            "board-sessions-4f9a8c7e6d5b4a39281706f5e4d3c2b1", "Pg@ss-w0rd-9", "Pg%40ss-w0rd-9"} <= found


# --- the lines -----------------------------------------------------------------------------------------


def test_a_json_line_carries_what_it_is_about_and_masks_the_exception_too(lines) -> None:
    stream = lines("json", secrets=("tg-hook_0123456789",))
    log = logging.getLogger("supportbot.test")
    with log_context.about(platform="telegram", chat=-100101, update=500000001):
        log_context.note(ticket=12)
        try:
            raise RuntimeError("webhook refused tg-hook_0123456789")
        except RuntimeError:
            log.exception("sending %s failed", f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendMessage")
    log.warning("between updates")

    about, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert list(about)[:4] == ["time", "level", "logger", "message"]
    # Not configured here, the token is found by its shape: the bot's id (public) stays.
    assert about["message"] == f"sending https://api.telegram.org/bot7412345678:{MASK}/sendMessage failed"
    assert (about["platform"], about["chat"], about["update"], about["ticket"]) == ("telegram", -100101, 500000001, 12)
    assert about["duration_ms"] >= 0 and about["time"].endswith("+00:00")
    assert "RuntimeError: webhook refused " + MASK in about["exc_info"]
    assert "tg-hook_0123456789" not in stream.getvalue() and TELEGRAM_TOKEN not in stream.getvalue()
    assert after["message"] == "between updates" and "platform" not in after and "ticket" not in after


def test_a_text_line_shows_its_context_compactly(lines) -> None:
    stream = lines("text")
    log = logging.getLogger("supportbot.test")
    with log_context.about(platform="discord", chat=3101, outbox=7):
        log.info("sent")
    log.info("idle")
    sent, idle = stream.getvalue().splitlines()
    assert sent.split(" INFO supportbot.test: ")[1].startswith("[discord chat=3101 outbox=7 ")
    assert sent.endswith("ms] sent")
    assert idle.endswith(" INFO supportbot.test: idle")


async def test_the_context_of_one_update_never_spills_onto_another_running_beside_it(lines) -> None:
    stream = lines("json")
    log = logging.getLogger("supportbot.test")

    async def handle(update: int, ticket: int) -> None:
        with log_context.about(platform="telegram", chat=-1, update=update):
            await asyncio.sleep(0)
            log_context.note(ticket=ticket)
            await asyncio.sleep(0)
            log.info("handled")

    await asyncio.gather(handle(1, 10), handle(2, 20))
    log.info("after both")
    *handled, after = map(json.loads, stream.getvalue().splitlines())
    assert {(line["update"], line["ticket"]) for line in handled} == {(1, 10), (2, 20)}
    assert "update" not in after and "ticket" not in after


def test_a_message_whose_arguments_do_not_fit_still_makes_a_line_instead_of_raising_in_the_caller() -> None:
    record = logging.LogRecord("supportbot.test", logging.WARNING, __file__, 1, "two %s %s", ("but one",), None)
    assert RedactingFilter(Redactor()).filter(record)
    assert record.getMessage() == "two %s %s ('but one',)"


def test_libraries_chatty_per_call_show_at_debug_only(lines) -> None:
    lines("text")
    assert logging.getLogger("httpx").isEnabledFor(logging.INFO)  # each Bot API call, token masked
    assert not logging.getLogger("apscheduler").isEnabledFor(logging.INFO)
    output.configure(level="INFO", fmt="text", stream=io.StringIO())
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert len([h for h in logging.getLogger().handlers if h.get_name() == "supportbot"]) == 1


# --- the config ------------------------------------------------------------------------------------


def test_log_format_comes_from_the_file_or_the_environment_and_a_wrong_one_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('log_format = "json"\n', encoding="utf-8")
    assert load_settings(path, env={}).log_format == "json"
    path.write_text("", encoding="utf-8")
    assert load_settings(path, env={}).log_format == "text"
    assert load_settings(path, env={"SUPPORTBOT_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError, match="log_format"):
        load_settings(path, env={"SUPPORTBOT_LOG_FORMAT": "xml"})


def test_a_secret_passed_as_an_extra_field_is_masked_too(lines) -> None:
    stream = lines("json")
    logging.getLogger("supportbot.test").info("calling", extra={"url": f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/x"})
    assert json.loads(stream.getvalue())["url"] == f"https://api.telegram.org/bot7412345678:{MASK}/x"
