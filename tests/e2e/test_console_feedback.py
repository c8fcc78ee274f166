"""The demo shows fix confirmation and a rating: the reporter presses the buttons under the bot's questions,
which the script names by their message numbers (they move when lines are added before them)."""

from __future__ import annotations

import re

import pytest

from supportbot.config import load_settings
from supportbot.demo import SCRIPT, run_demo

pytestmark = pytest.mark.e2e


async def test_the_demo_confirms_the_fix_and_rates_it_by_the_questions_numbers() -> None:
    lines: list[str] = []
    await run_demo(load_settings(None, env={}), write=lines.append)
    transcript = "\n".join(lines)

    confirm = re.search(r"/click (\d+) confirm_fixed", SCRIPT)
    rate = re.search(r"/click (\d+) rate_5", SCRIPT)
    assert confirm and rate
    # The numbers in the script are those of the questions: update them when lines move.
    assert f"[court] #{confirm.group(1)} supportbot ↩ #1: 🟡 A fix for ticket #1 has been provided." in transcript
    assert f"[court] #{rate.group(1)} supportbot ↩ #1: 🟢 Ticket #1 is resolved. How did we do?" in transcript
    assert "    [✅ Fixed for me] [❌ Still broken]" in transcript and "    [1] [2] [3] [4] [5]" in transcript
    assert "🟢 Ticket #1 resolved as fixed: dave confirmed the fix. Thank you!" in transcript
    assert 'Rating: 5/5 — "Quick and clear, thanks!"' in transcript
    assert "⭕️ Ticket #1 in progress · PR in review (by Alice)." in transcript
