"""[confirmation] and [satisfaction]: wired into the clocks and the desk, a bad value refused naming its key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from supportbot.bootstrap import build_app
from supportbot.config import load_settings
from supportbot.domain.durations import parse_duration
from supportbot.domain.satisfaction import SatisfactionPolicy
from supportbot.domain.ticket_states import Resolution
from tests.unit.test_config_refusals import BASE, refusal, write

SECTIONS = """
[confirmation]
confirm_after = "2d"

[satisfaction]
enabled = true
change_within = "3d"
low_score = 1
ask_after = ["fixed", "duplicate"]
"""


def test_the_sections_reach_the_clocks_and_the_desk(tmp_path: Path) -> None:
    app = build_app(load_settings(write(tmp_path, BASE + SECTIONS), env={}), {"console"})

    assert app.deps.clocks.policy.confirm_after == parse_duration("2d")
    assert app.deps.satisfaction == SatisfactionPolicy(
        enabled=True, change_within=timedelta(days=3), low_score=1,
        ask_after=frozenset({Resolution.FIXED, Resolution.DUPLICATE}))


def test_the_defaults_are_the_playbooks(tmp_path: Path) -> None:
    app = build_app(load_settings(write(tmp_path, BASE), env={}), {"console"})

    assert app.deps.clocks.policy.confirm_after == parse_duration("3bd")
    assert app.deps.satisfaction == SatisfactionPolicy()


def test_an_unknown_resolution_or_a_business_change_window_is_refused_by_name(tmp_path: Path) -> None:
    unknown = refusal(tmp_path, BASE + '[satisfaction]\nask_after = ["fixd"]\n')
    business = refusal(tmp_path, BASE + '[satisfaction]\nchange_within = "2bd"\n')
    score = refusal(tmp_path, BASE + "[satisfaction]\nlow_score = 6\n")

    assert any("satisfaction.ask_after" in line and "'fixd'" in line for line in unknown), unknown
    assert any("satisfaction.change_within" in line for line in business), business
    assert any("satisfaction.low_score" in line for line in score), score
