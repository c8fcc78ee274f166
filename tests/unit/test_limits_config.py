"""[limits]: the ticket limit per reporter reaches the desk; off with 0; a bad value refused naming its key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from supportbot.bootstrap import build_app
from supportbot.config import load_settings
from supportbot.domain.limits import TicketLimit
from tests.unit.test_config_refusals import BASE, refusal, write


def test_the_section_reaches_the_desk_and_defaults_to_five_in_ten_minutes(tmp_path: Path) -> None:
    given = build_app(load_settings(write(tmp_path, BASE + '[limits]\ntickets_per_user = 3\n'
                                               'tickets_per_user_window = "1h"\n'), env={}), {"console"})
    default = build_app(load_settings(write(tmp_path, BASE), env={}), {"console"})

    assert given.deps.ticket_limit == TicketLimit(3, timedelta(hours=1))
    assert default.deps.ticket_limit == TicketLimit(5, timedelta(minutes=10))


def test_zero_or_the_environment_turns_it_off(tmp_path: Path) -> None:
    zero = load_settings(write(tmp_path, BASE + "[limits]\ntickets_per_user = 0\n"), env={})
    from_env = load_settings(write(tmp_path, BASE), env={"SUPPORTBOT_LIMITS__TICKETS_PER_USER": "0"})

    assert not zero.limits.tickets_per_user and not from_env.limits.tickets_per_user


def test_a_negative_count_or_a_business_window_is_refused_by_name(tmp_path: Path) -> None:
    negative = refusal(tmp_path, BASE + "[limits]\ntickets_per_user = -1\n")
    business = refusal(tmp_path, BASE + '[limits]\ntickets_per_user_window = "1bd"\n')

    assert any("limits.tickets_per_user" in line for line in negative), negative
    assert any("limits.tickets_per_user_window" in line and "wall-clock" in line for line in business), business
