"""Telegram markup: escaping, mentions, the 4,096 limit and callback data."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportbot.chat.telegram import render as tr
from supportbot.domain import texts
from supportbot.domain.people import Directory, Person
from supportbot.services.outbox import CardButtons, Mention
from tests.fakes.telegram_state import parse_text

PEOPLE = Directory(people=(
    Person("Alice", telegram_id=1001, telegram_username="alice", discord_id=2001),
    Person("Bob <admin>", telegram_id=1002),
    Person("Carol", discord_id=2003),
    *(Person(f"Person {i}", telegram_id=100 + i) for i in range(3)),
), discord_team_role=4001)
ALICE, BOB, CAROL = Mention("Alice"), Mention("Bob <admin>"), Mention("Carol")
ROLE = Mention("on-call team", team=True)


def test_user_text_is_escaped():
    html = tr.render(tr.message_pieces('<b>pwned</b> & "quoted" <a href="x">'))
    assert html == '&lt;b&gt;pwned&lt;/b&gt; &amp; "quoted" &lt;a href="x"&gt;'
    plain, entities = parse_text(html, "HTML")
    assert plain == '<b>pwned</b> & "quoted" <a href="x">' and entities == []


def test_card_headline_is_bold_and_the_rest_plain():
    html = tr.render(tr.message_pieces("🔴 Ticket #1 received\nLogin <fails>", headline=True))
    assert html == "<b>🔴 Ticket #1 received</b>\nLogin &lt;fails&gt;"


def test_mentions_username_link_or_plain_name():
    pieces = tr.message_pieces("🚨 Emergency #3", [ALICE, BOB, CAROL, ROLE], people=PEOPLE)
    html = tr.render(pieces)
    assert html == ('🚨 Emergency #3\n@alice <a href="tg://user?id=1002">Bob &lt;admin&gt;</a> Carol')
    plain, entities = parse_text(html, "HTML")
    assert plain == "🚨 Emergency #3\n@alice Bob <admin> Carol"
    kinds = {e["type"]: e for e in entities}
    assert kinds["text_link"]["url"] == "tg://user?id=1002" and kinds["mention"]["length"] == len("@alice")


def test_warning_prefix_for_refusals():
    assert tr.visible(tr.message_pieces("Only the support team can use /take.", warning=True)).startswith("⚠️ ")


def test_short_text_is_one_message():
    assert tr.split(tr.message_pieces("hello")) == [[tr.Piece("hello")]]


def test_long_text_splits_at_line_breaks_within_the_limit():
    lines = [f"{i:04d} " + "x" * 95 for i in range(100)]  # 100 lines of 100 characters
    chunks = tr.split(tr.message_pieces("\n".join(lines)))
    assert len(chunks) == 3
    for chunk in chunks:
        plain, _ = parse_text(tr.render(chunk), "HTML")
        assert len(plain) <= tr.MAX_MESSAGE_LENGTH
        assert plain[:4].isdigit()  # each message starts at a line
    assert "\n".join(tr.visible(c).rstrip("\n") for c in chunks) == "\n".join(lines)


def test_split_never_cuts_a_mention_or_an_escape():
    text = "&<" * 2040 + "y" * 14  # 4,094 visible characters, escaped to far more bytes
    people = [Mention(f"Person {i}") for i in range(3)]
    chunks = tr.split(tr.message_pieces(text, people, people=PEOPLE))
    assert len(chunks) == 2
    for chunk in chunks:
        html = tr.render(chunk)
        plain, entities = parse_text(html, "HTML")  # raises on a broken tag or entity
        assert len(plain) <= tr.MAX_MESSAGE_LENGTH
    links = [p for c in chunks for p in c if p.href]
    assert [p.text for p in links] == ["Person 0", "Person 1", "Person 2"]


def test_limit_counts_utf16_units():
    emoji = "😀" * 3000  # 2 units each
    chunks = tr.split(tr.message_pieces(emoji))
    assert [len(tr.visible(c)) for c in chunks] == [2048, 952]
    assert all(tr.utf16_len(tr.visible(c)) <= tr.MAX_MESSAGE_LENGTH for c in chunks)


def test_truncate_keeps_one_message_and_marks_the_cut():
    pieces = tr.message_pieces("🔴 Ticket #1 received\n" + "PR: https://x.org/pull/1\n" * 300, headline=True)
    cut = tr.truncate(pieces)
    plain, _ = parse_text(tr.render(cut), "HTML")
    assert tr.utf16_len(plain) <= tr.MAX_MESSAGE_LENGTH and plain.endswith(tr.ELLIPSIS)
    assert plain.startswith("🔴 Ticket #1 received")
    assert tr.truncate(tr.message_pieces("short")) == [tr.Piece("short")]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab <>&\n\"'é😀")), max_size=9000), st.integers(min_value=8, max_value=300))
def test_split_property_every_chunk_parses_and_nothing_is_lost(text, limit):
    pieces = tr.message_pieces(text, [ALICE, BOB], people=PEOPLE)
    chunks = tr.split(pieces, limit)
    for chunk in chunks:
        plain, _ = parse_text(tr.render(chunk), "HTML") if tr.visible(chunk).strip() else ("", [])
        assert tr.utf16_len(plain) <= limit
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731 - line breaks at cuts may go
    assert squeeze("".join(tr.visible(c) for c in chunks)) == squeeze(tr.visible(pieces))


def test_callback_data_round_trip_and_validation():
    data = tr.callback_data(12, "in_progress")
    assert data == "t:12:in_progress" and tr.parse_callback(data) == (12, "in_progress")
    for action in texts.BUTTON_ACTIONS:
        assert tr.parse_callback(tr.callback_data(2**31 - 1, action)) == (2**31 - 1, action)


@pytest.mark.parametrize("data", [
    None, 12, "", "t:1", "t:1:delete", "t:0:take", "t:01:take", "t:-1:take", "t:2147483648:take",
    "t:99999999999:take", "x:1:take", "t:1:take:extra", "t:1:take\n", " t:1:take", "t:1:TAKE", "t:1:" + "a" * 70,
    "t:١:take",  # Arabic-Indic digit: \d would accept it
])
def test_forged_callback_data_is_refused(data):
    assert tr.parse_callback(data) is None


def test_keyboard_from_payload():
    markup = tr.keyboard(CardButtons(7, ("take", "in_progress", "resolved")))
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    assert rows == [[(texts.BUTTON_LABELS["take"], "t:7:take"), (texts.BUTTON_LABELS["in_progress"], "t:7:in_progress")],
                    [(texts.BUTTON_LABELS["resolved"], "t:7:resolved")]]
    assert tr.keyboard(CardButtons(7)) is None
    assert tr.keyboard(CardButtons(7, ("take", "explode"))).inline_keyboard[0][0].callback_data == "t:7:take"
    assert tr.keyboard(None) is None


def test_toast_is_short_and_marks_refusals():
    assert tr.toast("Only the support team can do that.", ok=False) == "⚠️ Only the support team can do that."
    assert len(tr.toast("x" * 500, ok=True)) == tr.MAX_CALLBACK_ANSWER
