"""Making platform input safe to store: what a database refuses must not reach the desk."""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"  # what Unicode puts in place of a character that cannot be shown
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# A surrogate in a Python string is always a lone one (a valid pair decodes to one character);
# UTF-8 cannot encode it, so SQLite and PostgreSQL refuse the whole statement.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """The text without NUL characters (PostgreSQL refuses them) and with lone surrogates replaced."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _SURROGATE.sub(REPLACEMENT, text)


def clean_optional(text: str | None) -> str | None:
    """clean_text for a value that may be absent."""
    return None if text is None else clean_text(text)


def storable_id(value: object) -> int | None:
    """A platform id as a 64-bit signed integer column takes it; None for anything else (absent)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if INT64_MIN <= value <= INT64_MAX else None
