"""Secrets in chat text: seed phrases and private keys found, and redacted before anything is stored."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

REDACTED = "[redacted]"
# BIP-39 phrases have 12 to 24 words; any longer run of list words still holds one.
SEED_MIN_WORDS = 12


class SecretKind(str, enum.Enum):
    SEED_PHRASE = "seed_phrase"
    PRIVATE_KEY = "private_key"


@lru_cache(maxsize=1)
def bip39_words() -> frozenset[str]:
    """The 2048 words of the official BIP-39 English list."""
    data = resources.files(__package__).joinpath("bip39_english.txt").read_text("utf-8")
    return frozenset(data.split())


_LETTERS = re.compile(r"[A-Za-z]+")
KEY_HEX_DIGITS = 64
_HEX_KEY = re.compile(r"(?<![0-9A-Za-z_])(?:0[xX])?[0-9a-fA-F]{64}(?![0-9A-Za-z_])")
# A key wrapped by a phone screen or copied in groups: hex chunks apart only by whitespace.
# Eight digits at least per chunk keeps hex-spelled words ("a bad decade") out.
_HEX_CHUNK = re.compile(r"(?<![0-9A-Za-z_])(?:0[xX])?([0-9a-fA-F]{8,})(?![0-9A-Za-z_])")
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w.-])(?:[a-z0-9-]++\.)+[a-z]{2,}/\S*", re.IGNORECASE
)
# An explorer path naming a transaction or block (Tenderly puts the network between): the hash
# after it is public. A hash anywhere else in a link (a query, a fragment, /keys/...) may be a key.
_EXPLORER_PATH = re.compile(r"/(?:tx|txs|transactions?|blocks?)/(?:[\w.-]+/)?$", re.IGNORECASE)


def _seed_spans(text: str) -> list[tuple[int, int]]:
    words = bip39_words()
    spans: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []

    def close_run() -> None:
        if len(run) >= SEED_MIN_WORDS:
            spans.append((run[0].start(), run[-1].end()))
        run.clear()

    # Anything that is not a letter (spaces, commas, newlines, "1.") separates words.
    for match in _LETTERS.finditer(text):
        if match.group().lower() in words:
            run.append(match)
        else:
            close_run()
    close_run()
    return spans


def _in_explorer_path(start: int, links: list[re.Match[str]]) -> bool:
    """True when a hash at `start` is a transaction or block id in an explorer link's path."""
    for link in links:
        if link.start() <= start < link.end():
            before = link.group()[: start - link.start()]
            return "?" not in before and "#" not in before and _EXPLORER_PATH.search(before) is not None
    return False


def _split_key_spans(text: str) -> list[tuple[int, int]]:
    """Runs of two or more whitespace-separated hex chunks that hold exactly one key's digits."""
    spans: list[tuple[int, int]] = []
    chunks = list(_HEX_CHUNK.finditer(text))
    first = 0
    while first < len(chunks):
        digits, last = 0, first
        while last < len(chunks):
            if last > first and text[chunks[last - 1].end():chunks[last].start()].strip():
                break  # words between the chunks: not one value
            digits += len(chunks[last].group(1))
            if digits >= KEY_HEX_DIGITS:
                break
            last += 1
        if digits == KEY_HEX_DIGITS and last > first:
            spans.append((chunks[first].start(), chunks[last].end()))
            first = last + 1
        else:
            first += 1
    return spans


def _key_spans(text: str) -> list[tuple[int, int]]:
    links = list(_LINK.finditer(text))
    whole = [m.span() for m in _HEX_KEY.finditer(text) if not _in_explorer_path(m.start(), links)]
    return whole + _split_key_spans(text)


def _secret_spans(text: str) -> list[tuple[int, int, SecretKind]]:
    found = [(s, e, SecretKind.SEED_PHRASE) for s, e in _seed_spans(text)]
    found += [(s, e, SecretKind.PRIVATE_KEY) for s, e in _key_spans(text)]
    return sorted(found)


@dataclass(frozen=True)
class SecretScan:
    """One look at a text for secrets: what find_secrets() and redact() would each answer."""

    secrets: tuple[SecretKind, ...]  # each kind once, in order of appearance
    redacted: str  # the text with every secret replaced by [redacted]; the text itself when it has none


def scan(text: str) -> SecretScan:
    """The secrets a text exposes and the text without them, from one search of it."""
    spans = _secret_spans(text)
    return SecretScan(_kinds(spans), _redacted(text, spans) if spans else text)


def find_secrets(text: str) -> list[SecretKind]:
    """The kinds of secret the text exposes, each once, in order of appearance."""
    return list(_kinds(_secret_spans(text)))


def redact(text: str) -> str:
    """The text with every seed phrase and private key replaced by [redacted]."""
    return _redacted(text, _secret_spans(text))


def _kinds(spans: list[tuple[int, int, SecretKind]]) -> tuple[SecretKind, ...]:
    kinds: list[SecretKind] = []
    for _, _, kind in spans:
        if kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


def _redacted(text: str, spans: list[tuple[int, int, SecretKind]]) -> str:
    out: list[str] = []
    last = 0
    for start, end, _ in spans:
        if start < last:  # overlapping spans: the earlier one already covers this
            start = last
        if start >= end:
            continue
        out.append(text[last:start])
        out.append(REDACTED)
        last = end
    out.append(text[last:])
    return "".join(out)
