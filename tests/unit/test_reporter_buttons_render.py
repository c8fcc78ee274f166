"""A reporter's buttons on each platform: their data fits Telegram's 64 bytes and reads back, their labels are
the desk's, the answers share one row (card buttons keep theirs)."""

from __future__ import annotations

import pytest

from supportbot.chat.discord import render as dr
from supportbot.chat.telegram import render as tr
from supportbot.domain import texts
from supportbot.domain.tickets import MAX_TICKET_NUMBER
from supportbot.services.outbox import CardButtons

REPORTER_ACTIONS = (*texts.CONFIRM_ACTIONS, *texts.RATE_ACTIONS)


@pytest.mark.parametrize("action", REPORTER_ACTIONS)
def test_the_data_fits_and_reads_back_on_both_platforms(action: str) -> None:
    data = tr.callback_data(MAX_TICKET_NUMBER, action)

    assert len(data.encode()) <= tr.MAX_CALLBACK_DATA
    assert tr.parse_callback(data) == (MAX_TICKET_NUMBER, action)
    assert dr.parse_custom_id(dr.custom_id(MAX_TICKET_NUMBER, action)) == (MAX_TICKET_NUMBER, action)


@pytest.mark.parametrize("data", ["t:1:rate_9", "t:1:rate_", "t:1:9rate", "t:1:confirm_fixed_"])
def test_an_action_that_is_no_button_is_not_ours(data: str) -> None:
    assert tr.parse_callback(data) is None
    assert dr.parse_custom_id("sb" + data[1:]) is None


def test_telegram_puts_the_answers_on_one_row_and_the_card_two_by_two() -> None:
    rating = tr.keyboard(CardButtons(3, texts.RATE_ACTIONS))
    confirm = tr.keyboard(CardButtons(3, texts.CONFIRM_ACTIONS))
    card = tr.keyboard(CardButtons(3, texts.BUTTON_ACTIONS))

    assert rating is not None and confirm is not None and card is not None
    assert [[b.text for b in row] for row in rating.inline_keyboard] == [["1", "2", "3", "4", "5"]]
    assert [[b.callback_data for b in row] for row in confirm.inline_keyboard] == [["t:3:confirm_fixed",
                                                                                 "t:3:still_broken"]]
    assert [b.text for b in confirm.inline_keyboard[0]] == ["✅ Fixed for me", "❌ Still broken"]
    assert [len(row) for row in card.inline_keyboard] == [2, 2]


def test_discord_labels_the_answers() -> None:
    view = dr.card_view(CardButtons(3, texts.CONFIRM_ACTIONS))

    assert view is not None
    assert [(b.label, b.custom_id) for b in view.children] == [  # type: ignore[attr-defined]
        ("✅ Fixed for me", "sb:3:confirm_fixed"), ("❌ Still broken", "sb:3:still_broken")]
