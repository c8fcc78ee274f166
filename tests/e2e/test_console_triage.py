"""The demo shows the owner's triage: priorities set in the team chat, then the backlog in their order."""

from __future__ import annotations

import pytest

from supportbot.config import load_settings
from supportbot.demo import run_demo

pytestmark = pytest.mark.e2e


async def test_the_demo_sets_priorities_and_lists_the_backlog_by_them() -> None:
    lines: list[str] = []
    await run_demo(load_settings(None, env={}), write=lines.append)
    transcript = "\n".join(lines)

    assert "Ticket #4 is now P1 (by Carol)." in transcript and "Ticket #3 is now P3 (by Carol)." in transcript
    backlog = transcript.split("Backlog (by priority, then oldest first):\n", 1)[1].splitlines()
    assert [line.split()[1] for line in backlog[:2]] == ["#4", "#3"]
    assert backlog[0].lstrip().startswith("🔴 #4 P1 🐛 [court] My juror rewards")
