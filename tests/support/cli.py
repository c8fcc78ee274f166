"""Running `supportbot` as a user does: a separate process, in a folder of its own, with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# A safety net against a hung process, not a performance expectation.
TIMEOUT = 60
# Variables that would make the bot connect somewhere or read another config.
FOREIGN = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "DATABASE_URL", "SUPPORTBOT_CONFIG")


def command() -> list[str]:
    """The installed `supportbot` script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("supportbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "supportbot.cli"]


def clean_env(home: Path) -> dict[str, str]:
    """The current environment without platform tokens or config overrides, HOME set to `home`."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN and not k.startswith(("TELEGRAM", "DISCORD"))
           and not (k.startswith("SUPPORTBOT_") and k != "SUPPORTBOT_TEST_DATABASE_URL")}
    # The web server listens on a free port: tests run side by side, and 8080 may be someone's.
    env.update(HOME=str(home), PYTHONIOENCODING="utf-8", COLUMNS="200", NO_COLOR="1", SUPPORTBOT_WEB__PORT="0")
    return env


def run_supportbot(*args: str, cwd: Path, stdin: str | bytes | None = None,
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `supportbot ARGS` in `cwd` (also its HOME), with `env` added; returns the finished process with its output.

    Bytes on stdin go in as they are (to type what is not UTF-8); the output is read as UTF-8 either way.
    """
    done = subprocess.run(
        [*command(), *args], cwd=cwd, env={**clean_env(cwd), **(env or {})},
        input=stdin.encode("utf-8") if isinstance(stdin, str) else stdin, capture_output=True, timeout=TIMEOUT,
    )
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))
