"""Is what the bot sent valid for the platform? Checked apart from the fakes, by the platforms' published rules:
Telegram's HTML (only its tags, balanced), 4,096 characters a message, 1,024 a caption, 64 bytes of button
data, 200 characters a button answer; Discord's 2,000 characters of content, embeds within their limits,
custom ids of at most 100 characters."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

TELEGRAM_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
                           "code", "pre", "blockquote", "tg-emoji"})
TELEGRAM_TEXT, TELEGRAM_CAPTION, TELEGRAM_CALLBACK_DATA, TELEGRAM_TOAST = 4096, 1024, 64, 200
DISCORD_CONTENT, DISCORD_CUSTOM_ID, DISCORD_LABEL = 2000, 100, 80
EMBED_LIMITS = {"title": 256, "description": 4096}
EMBED_FIELD_LIMITS = {"name": 256, "value": 1024}
EMBED_TOTAL, EMBEDS, FIELDS, ROWS, PER_ROW = 6000, 10, 25, 5, 5
_TAG = re.compile(r"</?[a-zA-Z][\w-]*(?:\s+[\w-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class TelegramHtml(HTMLParser):
    """Reads parse_mode=HTML as Telegram does: the visible text, and every way the markup is wrong."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.visible: list[str] = []
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}> is not one Telegram allows")
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("a link without href")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data[:20]!r}")


def telegram_html(markup: str, *, limit: int, what: str) -> list[str]:
    """Problems with one text sent with parse_mode=HTML (empty when Telegram would take it)."""
    parser = TelegramHtml()
    parser.feed(markup)
    parser.close()
    problems = [f"{what}: {p}" for p in parser.problems]
    if parser.open:
        problems.append(f"{what}: <{parser.open[-1]}> never closed")
    between_tags = _TAG.sub("", markup)
    if "<" in between_tags or ">" in between_tags or "&" in _ENTITY.sub("", between_tags):
        problems.append(f"{what}: a '<', '>' or '&' that is not escaped")
    visible = "".join(parser.visible)
    if utf16_len(visible) > limit:
        problems.append(f"{what}: {utf16_len(visible)} characters, more than {limit}")
    if what != "caption" and not visible.strip():
        problems.append(f"{what}: no visible text")
    return problems


def telegram_markup(markup: Any) -> list[str]:
    """Problems with an inline keyboard."""
    if not markup:
        return []
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    problems = []
    for button in (b for row in rows for b in row):
        data = button.get("callback_data") or ""
        if len(data.encode("utf-8", "surrogatepass")) > TELEGRAM_CALLBACK_DATA:
            problems.append(f"callback data {data!r} is longer than {TELEGRAM_CALLBACK_DATA} bytes")
        if not button.get("text"):
            problems.append("a button without a label")
    return problems


def telegram_request(method: str, params: dict) -> list[str]:
    """Problems with one Bot API call the bot made (as the fake server received its parameters)."""
    method = method.lower()
    problems: list[str] = []
    if method in ("sendmessage", "editmessagetext"):
        if params.get("parse_mode") != "HTML":
            problems.append(f"{method} without parse_mode=HTML")
        problems += telegram_html(str(params.get("text") or ""), limit=TELEGRAM_TEXT, what=method)
    elif method == "sendphoto" and params.get("caption"):
        problems += telegram_html(str(params["caption"]), limit=TELEGRAM_CAPTION, what="caption")
    elif method == "answercallbackquery" and len(str(params.get("text") or "")) > TELEGRAM_TOAST:
        problems.append(f"a button answer of {len(params['text'])} characters")
    return problems + telegram_markup(params.get("reply_markup"))


def discord_message(payload: dict) -> list[str]:
    """Problems with one message the bot sent or edited on Discord (REST JSON body)."""
    problems = []
    content = payload.get("content") or ""
    if len(content) > DISCORD_CONTENT:
        problems.append(f"content of {len(content)} characters")
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS:
        problems.append(f"{len(embeds)} embeds")
    total = 0
    for embed in embeds:
        for key, limit in EMBED_LIMITS.items():
            total += len(embed.get(key) or "")
            if len(embed.get(key) or "") > limit:
                problems.append(f"embed {key} of {len(embed[key])} characters")
        fields = embed.get("fields") or []
        if len(fields) > FIELDS:
            problems.append(f"{len(fields)} embed fields")
        for field in fields:
            for key, limit in EMBED_FIELD_LIMITS.items():
                value = str(field.get(key) or "")
                total += len(value)
                if not value.strip() or len(value) > limit:
                    problems.append(f"embed field {key} of {len(value)} characters")
        total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    if total > EMBED_TOTAL:
        problems.append(f"embeds of {total} characters in all")
    return problems + discord_components(payload.get("components") or [])


def discord_components(rows: list) -> list[str]:
    """Problems with a message's buttons."""
    problems = [f"{len(rows)} rows of components"] if len(rows) > ROWS else []
    for row in rows:
        children = row.get("components") or []
        if not 1 <= len(children) <= PER_ROW:
            problems.append(f"a row of {len(children)} components")
        for component in children:
            custom_id = component.get("custom_id") or ""
            if len(custom_id) > DISCORD_CUSTOM_ID:
                problems.append(f"custom id {custom_id[:20]!r}… of {len(custom_id)} characters")
            if len(component.get("label") or "") > DISCORD_LABEL:
                problems.append(f"a button label of {len(component['label'])} characters")
    return problems
