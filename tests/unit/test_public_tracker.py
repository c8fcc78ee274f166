"""What the public tracker shows of a ticket: the timeline's words, redaction on the way out, ages, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from supportbot.domain.ticket_states import Severity, Status
from supportbot.services.public_tracker import (
    BadFilter,
    Filters,
    PublicEvent,
    PublicTicket,
    age,
    parse_filters,
    public_text,
    timeline,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TICKET = PublicTicket(1, 7, "court", Severity.NORMAL, Status.IN_PROGRESS, None, "title", T0, None)


def event(minutes: int, kind: str, detail: str) -> PublicEvent:
    return PublicEvent(1, minutes, T0 + timedelta(minutes=minutes), kind, detail)


def test_secrets_and_account_addresses_are_redacted_again_on_the_way_out() -> None:
    seed = "abandon " * 11 + "about"
    key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    shown = public_text(f"sent from 0x52908400098527886e0f7030069857d2e4169ee7 with {seed} and {key}")

    assert shown == "sent from 0x…[address] with [redacted] and [redacted]"
    assert public_text("gas at 0x5290840009 is fine") == "gas at 0x5290840009 is fine"  # not an address


def test_the_timeline_keeps_the_public_part_of_each_line() -> None:
    events = [
        event(0, "created", "normal ticket from telegram"),
        event(1, "severity", "normal"),  # to what it already was: nothing changed
        event(2, "status", "in_progress: asked Dave on the phone"),
        event(3, "reply", "Fixed for 0x52908400098527886E0F7030069857D2E4169EE7, please retry"),
        event(4, "status", "no_such_status"),  # unreadable: left out, never guessed
        event(5, "severity", "emergency"),
        event(6, "resolve", "not_an_issue: works as designed"),
        event(7, "reopen", "in_progress"),
    ]

    assert [(e.kind, e.text) for e in timeline(TICKET, events)] == [
        ("opened", "Reported"),
        ("status", "⭕️ in progress"),
        ("reply", "Fixed for 0x…[address], please retry"),
        ("severity", "Severity: 🚨 emergency"),
        ("status", "🟢 resolved as not an issue"),
        ("status", "⭕️ reopened (in progress)"),
    ]


@pytest.mark.parametrize("seconds, shown", [(59, "0 min"), (3599, "59 min"), (3 * 3600, "3 h"),
                                            (47 * 3600, "1 d"), (2 * 86400, "2 d")])
def test_age_in_the_largest_whole_unit(seconds: int, shown: str) -> None:
    assert age(T0, T0 + timedelta(seconds=seconds)) == shown


def test_filters_name_products_in_any_case_and_refuse_the_unknown() -> None:
    assert parse_filters({"product": "COURT", "status": "Fix_Provided", "page": "3"}, ["court", "curate"]) == \
        Filters("court", Status.FIX_PROVIDED, 3)
    assert parse_filters({}, ["court"]) == Filters()
    with pytest.raises(BadFilter, match="^Unknown product 'x'; products: court.$"):
        parse_filters({"product": "x"}, ["court"])
