"""Secrets never reach the log: the configured ones by value, and anything shaped like a token, a sign-in link
or a password in a URL by pattern. The filter on the log handler is the last line of defence; code should not
log secrets in the first place."""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from urllib.parse import unquote, urlsplit

MASK = "<redacted>"
SHORTEST = 6  # a shorter configured value would blank out ordinary words; patterns still apply to it

# (hints, pattern, replacement): what a secret looks like where nobody configured it (another bot's token in
# a URL, a sign-in link just made, a password in any URL). A pattern runs only on text holding one of its
# hints (lower case), which keeps the cost per line low; possessive runs (`{n,}+`) never backtrack.
PATTERNS: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    # Telegram bot tokens, also inside Bot API URLs (/bot<token>/getMe), which HTTP clients log: the part after
    # the bot's id (public) is the secret. Each pattern starts at a literal character, found fast.
    ((":",), re.compile(r":(?<=\d{5}:)[A-Za-z0-9_-]{30,}"), f":{MASK}"),
    # Discord bot tokens: the bot's id in base64, then a timestamp and a signature (the secret) after dots.
    ((".",), re.compile(r"\.(?<=[A-Za-z0-9_-]{20}\.)[A-Za-z0-9_-]{6,}+\.[A-Za-z0-9_-]{20,}"), f".{MASK}"),
    # GitHub tokens (classic, OAuth, app, fine-grained).
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
     re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), MASK),
    # The password in a URL: scheme://user:password@host.
    (("://",), re.compile(r"(://[^\s:/@]*+:)[^\s@/]++@"), rf"\1{MASK}@"),
    # Sign-in links of the team board (/login/<token>) and tokens passed in a query (?token=...).
    (("/login/",), re.compile(r"(/login/)[A-Za-z0-9_-]{8,}"), rf"\1{MASK}"),
    (("token=", "secret=", "password=", "key=", "signature="),
     re.compile(r"([?&](?:token|secret|password|key|access_token|signature)=)[^&\s\"'#]+", re.IGNORECASE),
     rf"\1{MASK}"),
    # Credentials in headers or key/value dumps: Authorization: Bot ..., 'secret_token': '...'.
    (("authorization",), re.compile(r"(\bAuthorization['\"]?\s*[:=]\s*['\"]?(?:Bot|Bearer|Basic|token)\s+)[^\s'\",}]+",
                                    re.IGNORECASE), rf"\1{MASK}"),
    (("secret_token", "webhook_secret", "password", "api_key"),
     re.compile(r"(\b(?:secret_token|webhook_secret|password|api_key)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}&]+",
                re.IGNORECASE), rf"\1{MASK}"),
)
# Attributes every LogRecord has: the rest came from `extra=` or a filter, and are redacted when text.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def secret_values(settings: object) -> list[str]:
    """Every secret value in a settings object (its SecretStr fields, at any depth), with the password of
    a URL among them on its own; never an empty value."""
    found: list[str] = []
    for value in _secrets_in(settings, depth=0):
        found += [value, *_url_password(value)]
    return [v for v in dict.fromkeys(found) if v]


def _secrets_in(value: object, depth: int) -> Iterator[str]:
    if depth > 8 or value is None or isinstance(value, str | int | float | bool):
        return
    if hasattr(value, "get_secret_value"):
        yield str(value.get_secret_value())
    elif isinstance(value, dict):
        for item in value.values():
            yield from _secrets_in(item, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _secrets_in(item, depth + 1)
    elif hasattr(value, "__dict__"):
        for item in vars(value).values():
            yield from _secrets_in(item, depth + 1)


def _url_password(value: str) -> tuple[str, ...]:
    """The password of a URL as written in it and decoded (%40 for @), or nothing."""
    if "://" not in value:
        return ()
    try:
        password = urlsplit(value).password
    except ValueError:
        return ()
    return (password, unquote(password)) if password else ()


class Redactor:
    """Replaces known secret values and secret-shaped text with <redacted>."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) >= SHORTEST:
                # As written, and as JSON or a repr would show it (quotes and backslashes escaped).
                forms.update({secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]})
        # Longest first, so a secret that contains another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)
        self._known = re.compile("|".join(re.escape(f) for f in self._forms))

    def __call__(self, text: str) -> str:
        """The text with every secret masked."""
        if any(map(text.__contains__, self._forms)):  # a plain search first: most lines hold none
            text = self._known.sub(MASK, text)
        lowered = text.lower()
        for hints, pattern, replacement in PATTERNS:
            if any(map(lowered.__contains__, hints)):
                text = pattern.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """Masks secrets in a record before any formatter reads it: the message with its arguments, the
    exception and stack texts, and any text field added with `extra=`."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(_message(record)), None
        if record.exc_info:
            # Formatted here, so the handler's formatter shows this text (exc_text) instead of its own.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name in vars(record).keys() - _STANDARD:
            value = getattr(record, name)
            if isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


def _message(record: logging.LogRecord) -> str:
    """The record's message with its arguments; a mismatch between the two still shows both."""
    try:
        return record.getMessage()
    except Exception:  # logging's own handling would print a traceback to stderr and drop the line
        return f"{record.msg!s} {record.args!r}"
