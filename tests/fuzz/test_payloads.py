"""The checks every fuzzed example's payloads go through refuse what the platforms refuse, and take what
the bot's own renderers make."""

from __future__ import annotations

from supportbot.chat.telegram import render as tr
from tests.fuzz import payloads


def test_telegram_html_is_refused_when_unbalanced_unknown_unescaped_or_too_long():
    def problems(markup: str) -> list[str]:
        return payloads.telegram_html(markup, limit=10, what="text")

    assert problems("<b>bold</b> &amp; &lt;") == []
    assert problems("<b>x</i>") and problems("<b>x") and problems("<blink>x</blink>") and problems("a < b")
    assert problems("a & b") and problems("<a>no link</a>") and problems("x" * 11) and problems("<b> </b>")
    assert problems("😀" * 6)  # 12 UTF-16 units, as Telegram counts them


def test_what_the_telegram_renderer_makes_of_odd_text_passes():
    text = "<b>not bold</b> & \"quoted\" " * 300
    pieces = tr.message_pieces(text, headline=True)
    for part in tr.split(pieces):
        assert payloads.telegram_html(tr.render(part), limit=payloads.TELEGRAM_TEXT, what="text") == []


def test_telegram_buttons_and_answers_over_the_limits_are_refused():
    keyboard = {"inline_keyboard": [[{"text": "ok", "callback_data": "t:1:take"}, {"text": "", "callback_data": "x"}]]}
    assert payloads.telegram_markup(keyboard) == ["a button without a label"]
    assert payloads.telegram_markup({"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]})
    assert payloads.telegram_request("answerCallbackQuery", {"text": "x" * 201})
    assert payloads.telegram_request("sendMessage", {"text": "hi", "parse_mode": None})


def test_discord_messages_over_the_limits_are_refused():
    assert payloads.discord_message({"content": "x" * 2000}) == []
    assert payloads.discord_message({"content": "x" * 2001})
    assert payloads.discord_message({"embeds": [{"title": "t" * 257}]})
    assert payloads.discord_message({"embeds": [{"description": "d" * 4096, "fields": [
        {"name": "n", "value": "v" * 1024}] * 2}]})  # 6,000 in all at most
    button = {"type": 2, "style": 1, "label": "Take", "custom_id": "t:1:take"}
    assert payloads.discord_message({"components": [{"type": 1, "components": [button]}]}) == []
    assert payloads.discord_message({"components": [{"type": 1, "components": [dict(button, custom_id="x" * 101)]}]})
    assert payloads.discord_message({"components": [{"type": 1, "components": [button] * 6}]})
