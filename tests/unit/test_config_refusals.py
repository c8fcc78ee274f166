"""Configs that would expose data or run unprotected are refused, naming the key; secrets from the environment."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from support.cli import run_supportbot
from supportbot.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]

# Two products, an emergency chat, a team chat and a security chat, all distinct, on both platforms.
BASE = """\
[[people]]
name = "Alice"
telegram_id = 1001
discord_id = 2001
roles = ["engineer"]

[[people]]
name = "Bob"
telegram_id = 1002
discord_id = 2002
roles = ["engineer"]

[[people]]
name = "Carol"
roles = ["owner"]

[oncall]
rotation = ["Alice", "Bob"]
team_telegram_chat = -100500
team_discord_channel = 3001

[[products]]
key = "court"
name = "Court v2"
owners = ["Carol"]
telegram_chats = [-100101]
discord_channels = [3101]

[[products]]
key = "curate"
name = "Curate"
owners = ["Carol"]
telegram_chats = [-100102]
discord_channels = [3102]

[emergency]
telegram_chats = [-100900]
discord_channels = [3900]

[security]
telegram_chat = -100700
discord_channel = 3700
"""

TELEGRAM_TOKEN = "7000000001:AAFakeTokenForSupportbotTests_0123456"
DISCORD_TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.fake.discord-bot-token"
WEBHOOK = '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.org/tg"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    """The lines of the error a config is refused with (fails the test when it is accepted)."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_settings(path, env=env or {})
    lines = str(error.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    return [line.removeprefix(f"{path}: ") for line in lines]


def test_the_base_config_is_accepted(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, BASE), env={})

    assert [p.key for p in settings.products] == ["court", "curate"]


# --- one chat, one role ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "other"),
    [
        ("telegram_chats = [-100102]", "telegram_chats = [-100101]", "products.curate.telegram_chats", "product court"),
        ("discord_channels = [3102]", "discord_channels = [3102, 3101]", "products.curate.discord_channels",
         "product court"),
        ("telegram_chat = -100700", "telegram_chat = -100101", "security.telegram_chat", "product court"),
        ("discord_channel = 3700", "discord_channel = 3102", "security.discord_channel", "product curate"),
        ("team_telegram_chat = -100500", "team_telegram_chat = -100102", "oncall.team_telegram_chat",
         "product curate"),
        ("team_discord_channel = 3001", "team_discord_channel = 3101", "oncall.team_discord_channel",
         "product court"),
        ("telegram_chats = [-100900]", "telegram_chats = [-100101]", "emergency.telegram_chats", "product court"),
        ("discord_channels = [3900]", "discord_channels = [3102]", "emergency.discord_channels", "product curate"),
        ("team_telegram_chat = -100500", "team_telegram_chat = -100900", "oncall.team_telegram_chat",
         "emergency chat"),
        ("telegram_chat = -100700", "telegram_chat = -100900", "security.telegram_chat", "emergency chat"),
        ("discord_channel = 3700", "discord_channel = 3001", "security.discord_channel", "on-call team chat"),
    ],
)  # fmt: skip
def test_a_chat_with_two_roles_is_refused_naming_the_key(tmp_path: Path, old: str, new: str, key: str,
                                                         other: str) -> None:
    lines = refusal(tmp_path, BASE.replace(old, new))

    assert len(lines) == 1 and lines[0].startswith(f"{key}: ")
    assert other in lines[0] and "one role" in lines[0]


def test_ids_are_per_platform_and_a_chat_listed_twice_by_one_product_is_harmless(tmp_path: Path) -> None:
    text = BASE.replace("telegram_chat = -100700", "telegram_chat = 3101").replace(
        "telegram_chats = [-100101]", "telegram_chats = [-100101, -100101]")

    settings = load_settings(write(tmp_path, text), env={})

    assert settings.security.telegram_chat == 3101 and settings.products[0].discord_channels == [3101]


def test_every_clash_is_listed_not_just_the_first(tmp_path: Path) -> None:
    text = BASE.replace("telegram_chat = -100700", "telegram_chat = -100101").replace(
        "telegram_chats = [-100900]", "telegram_chats = [-100102]")

    lines = refusal(tmp_path, text)

    assert [line.split(":")[0] for line in lines] == ["emergency.telegram_chats", "security.telegram_chat"]


# --- people and the rotation ------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "key"), [
    ("telegram_id = 1002", "telegram_id = 1001", "people.Bob.telegram_id"),
    ("discord_id = 2002", "discord_id = 2001", "people.Bob.discord_id"),
])
def test_two_people_with_one_platform_id_are_refused(tmp_path: Path, old: str, new: str, key: str) -> None:
    lines = refusal(tmp_path, BASE.replace(old, new))

    assert len(lines) == 1 and lines[0].startswith(f"{key}: ") and "Alice" in lines[0]


@pytest.mark.parametrize("rotation", ["rotation = []", ""])
def test_an_oncall_section_without_a_rotation_is_refused(tmp_path: Path, rotation: str) -> None:
    lines = refusal(tmp_path, BASE.replace('rotation = ["Alice", "Bob"]', rotation))

    assert len(lines) == 1 and lines[0].startswith("oncall.rotation: ")


def test_without_an_oncall_section_there_is_no_rotation(tmp_path: Path) -> None:
    start, end = BASE.index("[oncall]"), BASE.index("[[products]]")

    settings = load_settings(write(tmp_path, BASE[:start] + BASE[end:]), env={})

    assert settings.oncall.rotation == []


def test_the_embedded_defaults_still_load() -> None:
    settings = load_settings(None, env={})

    assert settings.oncall.rotation == ["Alice", "Bob"]


# --- business hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "key", "message"), [
    ('timezone = "Mars/Olympus"', "business_hours.timezone", "unknown time zone 'Mars/Olympus'"),
    ('open = "17:00"\nclose = "09:00"', "business_hours.close", "close must be later than open"),
    ('open = "09:00"\nclose = "09:00"', "business_hours.close", "close must be later than open"),
    ("days = []", "business_hours.days", "needs at least one working day"),
])
def test_business_hours_errors_name_the_exact_key(tmp_path: Path, hours: str, key: str, message: str) -> None:
    lines = refusal(tmp_path, BASE + f"\n[business_hours]\n{hours}\n")

    assert lines == [f"{key}: {message}"]


# --- webhook mode and placeholders -----------------------------------------------------------


def test_webhook_mode_without_a_secret_is_refused(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE + WEBHOOK + f'token = "{TELEGRAM_TOKEN}"\n')

    assert len(lines) == 1 and lines[0].startswith("telegram.webhook_secret: ") and "webhook" in lines[0]


def test_webhook_mode_without_a_url_names_the_url(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE + '[telegram]\nmode = "webhook"\nwebhook_secret = "Kf83hs_Wq0x-4hd81nd"\n')

    assert [line.split(":")[0] for line in lines] == ["telegram.webhook_url"]


def test_a_webhook_secret_telegram_would_not_accept_is_refused(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE + WEBHOOK + 'webhook_secret = "has spaces and ünicode"\n')

    assert len(lines) == 1 and lines[0].startswith("telegram.webhook_secret: ") and "A-Z" in lines[0]
    assert "ünicode" not in lines[0]


def test_webhook_mode_with_a_secret_from_the_environment_is_accepted(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, BASE + WEBHOOK),
                             env={"SUPPORTBOT_TELEGRAM__WEBHOOK_SECRET": "Kf83hs_Wq0x-4hd81nd"})

    assert settings.telegram.webhook_secret.get_secret_value() == "Kf83hs_Wq0x-4hd81nd"
    assert "Kf83hs" not in repr(settings)


@pytest.mark.parametrize(("section", "key", "value"), [
    ("telegram", "token", "123456:replace-me"),
    ("telegram", "token", "replace-me"),
    ("telegram", "token", "123456:CHANGE_ME"),
    ("telegram", "token", "your-token-here"),
    ("telegram", "token", "<token>"),
    ("telegram", "token", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"),
    ("discord", "token", "replace-me"),
    ("discord", "token", "changeme"),
    ("discord", "token", "YOUR_DISCORD_TOKEN_HERE"),
    ("discord", "token", "${DISCORD_BOT_TOKEN}"),
    ("telegram", "webhook_secret", "a-long-random-string"),
    ("telegram", "webhook_secret", "changeme"),
    ("database", "url", "postgresql+asyncpg://supportbot:changeme@db:5432/supportbot"),
    ("database", "url", "postgresql+asyncpg://supportbot:<password>@db:5432/supportbot"),
])  # fmt: skip
def test_placeholder_secrets_are_refused(tmp_path: Path, section: str, key: str, value: str) -> None:
    lines = refusal(tmp_path, BASE + f'[{section}]\n{key} = "{value}"\n')

    assert len(lines) == 1 and lines[0].startswith(f"{section}.{key}: ") and "placeholder" in lines[0]


def test_real_looking_secrets_are_accepted(tmp_path: Path) -> None:
    text = (BASE + f'[telegram]\ntoken = "{TELEGRAM_TOKEN}"\nwebhook_secret = "s3cret-token"\n'
            f'[discord]\ntoken = "{DISCORD_TOKEN}"\n'
            '[database]\nurl = "postgresql+asyncpg://supportbot:Zq8-w1xPLm@db:5432/supportbot"\n')

    settings = load_settings(write(tmp_path, text), env={})

    assert settings.telegram_enabled and settings.discord_enabled


def test_a_placeholder_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE, env={"TELEGRAM_BOT_TOKEN": "123456:replace-me"})

    assert len(lines) == 1 and lines[0].startswith("telegram.token (from TELEGRAM_BOT_TOKEN): ")


# --- the environment ---------------------------------------------------------------------------


def test_every_key_can_come_from_the_environment_in_the_nested_form(tmp_path: Path) -> None:
    env = {
        "SUPPORTBOT_TELEGRAM__TOKEN": TELEGRAM_TOKEN,
        "SUPPORTBOT_DISCORD__TOKEN": DISCORD_TOKEN,
        "SUPPORTBOT_DATABASE__URL": "postgresql+asyncpg://bot:db-Secret-9@db/supportbot",
        "SUPPORTBOT_SCHEDULER__SWEEP_INTERVAL": "5s",
        "SUPPORTBOT_POLICY__EMERGENCY__FIRST_RESPONSE": "30m",
        "SUPPORTBOT_DISCORD__GUILDS": "[5001, 5002]",
        "SUPPORTBOT_LOG_LEVEL": "DEBUG",
        "SUPPORTBOT_CONFIG": "ignored: it names the file, not a key",
    }

    settings = load_settings(write(tmp_path, BASE), env=env)

    assert settings.telegram.token.get_secret_value() == TELEGRAM_TOKEN
    assert settings.discord.token.get_secret_value() == DISCORD_TOKEN
    assert settings.database.url.get_secret_value() == env["SUPPORTBOT_DATABASE__URL"]
    assert str(settings.scheduler.sweep_interval) == "5s"
    assert str(settings.policy.emergency.first_response) == "30m"
    assert settings.discord.guilds == [5001, 5002] and settings.log_level == "DEBUG"
    assert "db-Secret-9" not in repr(settings) + settings.model_dump_json()


def test_the_environment_wins_over_the_file_key_by_key(tmp_path: Path) -> None:
    text = BASE + '[telegram]\ntoken = "1:from-file-token"\npoll_timeout = 5\n'

    settings = load_settings(write(tmp_path, text), env={"SUPPORTBOT_TELEGRAM__TOKEN": "2:from-env-token"})

    assert settings.telegram.token.get_secret_value() == "2:from-env-token"
    assert settings.telegram.poll_timeout == 5


def test_an_error_in_a_value_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE, env={"SUPPORTBOT_SCHEDULER__SWEEP_INTERVAL": "soon"})

    assert lines == ["scheduler.sweep_interval (from SUPPORTBOT_SCHEDULER__SWEEP_INTERVAL): 'soon' is not a duration;"
                     " use a whole number and a unit: 90s, 30m, 1h, 2d or 1bd"]


def test_an_unknown_key_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE, env={"SUPPORTBOT_TELEGRAM__WEBHOOK_SECRT": "x"})

    assert lines == ["telegram.webhook_secrt (from SUPPORTBOT_TELEGRAM__WEBHOOK_SECRT): unknown key"]


def test_a_single_underscore_after_the_section_is_refused_with_the_right_name(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE, env={"SUPPORTBOT_TELEGRAM_WEBHOOK_SECRET": "Kf83hs_Wq0x-4hd81nd"})

    assert len(lines) == 1 and lines[0].startswith("SUPPORTBOT_TELEGRAM_WEBHOOK_SECRET: ")
    assert "SUPPORTBOT_TELEGRAM__WEBHOOK_SECRET" in lines[0] and "Kf83hs" not in lines[0]


def test_broken_json_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    lines = refusal(tmp_path, BASE, env={"SUPPORTBOT_DISCORD__GUILDS": "[5001,"})

    assert len(lines) == 1 and lines[0].startswith("discord (from SUPPORTBOT_DISCORD__GUILDS): ")


def test_two_variables_disagreeing_on_one_secret_are_refused(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "sqlite+aiosqlite:///a.db", "SUPPORTBOT_DATABASE__URL": "sqlite+aiosqlite:///b.db"}

    lines = refusal(tmp_path, BASE, env=env)

    assert len(lines) == 1 and lines[0].startswith("database.url: ")
    assert "DATABASE_URL" in lines[0] and "SUPPORTBOT_DATABASE__URL" in lines[0] and "a.db" not in lines[0]


def test_the_same_value_in_both_variables_is_fine(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "SUPPORTBOT_TELEGRAM__TOKEN": TELEGRAM_TOKEN}

    assert load_settings(write(tmp_path, BASE), env=env).telegram_enabled


# --- as users run it ------------------------------------------------------------------------------


def test_check_config_and_run_refuse_a_shared_chat_without_starting(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("telegram_chat = -100700", "telegram_chat = -100101"))

    for args in (("check-config", str(path)), ("run", "--config", str(path))):
        done = run_supportbot(*args, cwd=tmp_path, stdin="")

        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert f"{path}: security.telegram_chat: " in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "supportbot.db").exists()


def test_aiohttp_is_installed_with_the_bot_not_only_with_the_tests() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]

    assert any(dep.startswith("aiohttp") for dep in project["dependencies"])
    assert not any(dep.startswith("aiohttp") for dep in project["optional-dependencies"]["test"])


# --- [web] ---------------------------------------------------------------------------------------

WEB_SECRET = "k3Jx9vQ2mT7pL4wZ8nB1cF6hR0yD5sGaEuXoIqWt"


def test_the_web_secret_comes_from_its_variable_and_the_file_keys_from_the_nested_ones(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, BASE), env={"SUPPORTBOT_WEB_SECRET": WEB_SECRET,
                                                         "SUPPORTBOT_WEB__PORT": "9090"})
    assert settings.web.secret is not None and settings.web.secret.get_secret_value() == WEB_SECRET
    assert settings.web.port == 9090 and settings.web.enabled and settings.web.public_tracker
    assert load_settings(write(tmp_path, BASE), env={}).web.secret is None  # generated and kept in the database


@pytest.mark.parametrize(("web", "env", "message"), [
    ('secret = "changeme"', {}, "looks like a placeholder"),
    ("", {"SUPPORTBOT_WEB_SECRET": "short-secret"}, "at least 32 characters"),
    ('public_url = "support.example.org"', {}, "an absolute http(s) URL"),
    ("port = 70000", {}, "less than or equal to 65535"),
])
def test_a_bad_web_setting_is_refused_naming_its_key(tmp_path: Path, web: str, env: dict[str, str],
                                                     message: str) -> None:
    [line] = refusal(tmp_path, f"{BASE}\n[web]\n{web}\n", env)
    assert line.startswith("web.") and message in line, line
