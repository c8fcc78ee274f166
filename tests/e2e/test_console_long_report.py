"""A 20,000-character report on the console chat (no platform limit on what is typed): the ticket keeps every
character, its card stays short, and /ticket prints the whole text back."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.domain import texts
from tests.e2e.test_console import console_session

pytestmark = pytest.mark.e2e
LONG = ("Staking on the court page fails with execution reverted when I click Stake. " * 270)[:19_993] + "THE END"


def test_a_20k_report_keeps_its_full_text_and_ticket_prints_it(tmp_path: Path) -> None:
    printed = console_session(tmp_path, f"/in court\n/as dave\n{LONG}\n/ticket 1\n")

    card = next(line for line in printed.splitlines() if "Ticket #1 received" in line)
    assert len(card) < 200
    assert texts.REPORT_HEAD.format(size="20,000") in printed
    assert printed.count(LONG) == 2  # as typed, and as /ticket prints it back
