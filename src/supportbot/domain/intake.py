"""Intake: is a message chatter, a security matter or a report, and what does the report lack?"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

# `redact as redact`: chat/discord/bot.py still imports it from here.
from supportbot.domain.secret_detection import SecretKind, SecretScan, scan
from supportbot.domain.secret_detection import redact as redact

# The playbook's checklist, in the order the reporter is asked for it.
WHERE = "where you found the issue (page, link or network)"
STEPS = "what happened, step by step"
ACCOUNT = "the affected account (0x address)"
SCREENSHOTS = "screenshots, if relevant"
DEVICE = "your device and browser or wallet"

NO_TEXT = "(no text)"
TITLE_LIMIT = 80
MAX_CHATTER_WORDS = 5


# --- chatter -----------------------------------------------------------------

_CHATTER_WORDS = frozenset(
    """
    thanks thank thx thnx thanx ty tysm tyvm you u so much very lot a all guys everyone team
    gm gn good morning afternoon evening night hi hello hey heya hiya yo ok okay k kk
    lol lmao haha hehe nice cool great awesome perfect np welcome cheers bye sure yes yep
    yeah got it sir mate bro fam
    """.split()
)
_PLUS_ONE = re.compile(r"\+\d+")
_REPEATS = re.compile(r"(.)\1{2,}")


def _chatter_word(token: str) -> bool | None:
    """Whether a word is small talk; None for a token without letters or digits (emoji, "!!")."""
    if _PLUS_ONE.fullmatch(token.strip(".,!?~")):
        return True
    core = "".join(ch for ch in token.lower() if ch.isalnum())
    if not core:
        return None
    # "thanksss", "okkk" and "goood" are the same words stretched out.
    variants = {core, _REPEATS.sub(r"\1", core), _REPEATS.sub(r"\1\1", core)}
    return bool(variants & _CHATTER_WORDS)


def is_chatter(text: str) -> bool:
    """True for a short social message (thanks, gm, 👍, +1, empty) that must open no ticket."""
    words = 0
    for token in text.split():
        verdict = _chatter_word(token)
        if verdict is None:
            continue
        if not verdict:
            return False
        words += 1
    return words <= MAX_CHATTER_WORDS


# --- security wording ----------------------------------------------------------

_ASSETS = r"funds?|wallets?|contracts?|pools?|treasury|tokens?|accounts?"
_SECURITY = re.compile(
    r"""
    \bvulnerab(?:le|ility|ilities)\b
    | \bexploit(?:s|ed|ing|able)?\b
    | \bsecurity\s+(?:issue|bug|hole|flaw|problem|vulnerability|breach|incident|risk|concern)s?\b
    | \bre-?entran(?:cy|t)\b
    | \bdrain(?:s|ed|ing)?\b.{0,40}\b(?:{assets})\b
    | \b(?:{assets})\b.{0,40}\bdrained\b
    | \b(?:private\s+keys?|seed\s+phrases?|mnemonic|secret\s+keys?)\b.{0,40}
      \b(?:leak(?:s|ed)?|exposed|compromised|stolen)\b
    | \b(?:leak(?:s|ed)?|exposed|compromised|stolen)\b.{0,40}
      \b(?:private\s+keys?|seed\s+phrases?|mnemonic|secret\s+keys?)\b
    | \bhack(?:ed|ers?)\b
    | \bstole(?:n)?\b
    | \bcompromised\b
    | \battack\s+(?:vector|surface)s?\b | \battackers?\b
    | \b(?:flash[\s-]?loan|replay|sybil|griefing|front[\s-]?running|sandwich|phishing|d?dos)
      \s+attacks?\b
    | \bphishing\b | \bbackdoor\b | \bbug\s+bounty\b
    | \bcve(?:-\d{4}-\d{3,})?\b
    """.replace("{assets}", _ASSETS),
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def looks_like_security(text: str) -> bool:
    """True when the wording signals a security report (exploit, drained funds, CVE...)."""
    return _SECURITY.search(text) is not None


# --- the report checklist ----------------------------------------------------------

_URL = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+"
    r"|(?<![\w.-])(?:[a-z0-9-]++\.)+(?:io|com|org|net|app|xyz|dev|finance|limo|gg)\b(?:/\S*)?",
    re.IGNORECASE,
)
_WHERE = re.compile(
    r"\b(?:pages?|tabs?|screens?|dashboard|modal|menu|section|urls?|links?|app|dapp|site|website"
    r"|contracts?|network|chain|mainnet|testnet|l2|ethereum|gnosis|xdai|arbitrum|optimism"
    r"|polygon|sepolia|goerli|holesky|chiado|explorer|etherscan|gnosisscan|arbiscan)\b",
    re.IGNORECASE,
)
_STEPS = re.compile(
    r"""
    \bwhen\s+i\b | \bsteps?\b | \btried\b | \btry(?:ing)?\s+to\b
    | \bafter\s+(?:i\b|\w+ing\b)
    | \bi\s+(?:click|clicked|press|pressed|tap|tapped|select|selected|connect|connected
              |submit|submitted|sign|signed|open|opened|go|went|enter|entered|get|got|see|saw)\b
    | \berrors?\b | \bfail(?:s|ed|ing|ure)?\b | \brevert(?:s|ed|ing)?\b | \bstuck\b
    | \b(?:does|did|do|wo|ca)n't\b | \b(?:does|did|will|can)\s+not\b | \bcannot\b | \bunable\s+to\b
    | \bexpected\b | \binstead\b | \bnothing\s+happens\b | \bshows?\b | \bdisplays?\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+\S", re.MULTILINE)
_ADDRESS = re.compile(r"(?<![0-9A-Za-z])0[xX][0-9a-fA-F]{40}(?![0-9A-Za-z])")
_ENS = re.compile(r"(?<![\w.@/-])(?:[a-z0-9-]++\.)+eth(?![\w-]|\.[a-z0-9])", re.IGNORECASE)
_IMAGE = re.compile(
    r"\.(?:png|jpe?g|gif|webp)\b|imgur\.com|prnt\.sc|gyazo\.com|discordapp\.(?:com|net)/attachments"
    r"|\b(?:attached|see|here'?s|here\s+is|below|above|check)\b.{0,30}\bscreen\s?shots?\b"
    r"|\bscreen\s?shots?\b.{0,20}\b(?:attached|below|above|here)\b",
    re.IGNORECASE,
)
_DEVICE = re.compile(
    r"\b(?:chrome|chromium|firefox|brave|safari|opera|edge\s+browser|microsoft\s+edge|metamask"
    r"|rabby|coinbase\s+wallet|trust\s+wallet|walletconnect|wallet\s+app|rainbow\s+wallet"
    r"|ledger|trezor|mobile|desktop|laptop|phone|android|iphone|ipad|ios|windows|mac|macos"
    r"|macbook|osx|linux|ubuntu|browser|pc)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReportInfo:
    """What a message already tells of the playbook's checklist."""

    where: bool
    steps: bool
    account: str | None
    screenshots: bool
    device: bool

    def missing(self) -> list[str]:
        """The checklist labels the reporter has not covered yet, in the playbook's order."""
        wanted = [
            (self.where, WHERE),
            (self.steps, STEPS),
            (self.account is not None, ACCOUNT),
            (self.screenshots, SCREENSHOTS),
            (self.device, DEVICE),
        ]
        return [label for present, label in wanted if not present]


def _mentions(text: str, places: Collection[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(p.lower())}\b", lowered) for p in places if p.strip())


def find_account(text: str) -> str | None:
    """The first 0x address in the text, else the first ENS name, else None."""
    match = _ADDRESS.search(text) or _ENS.search(text)
    return match.group() if match else None


def extract_report(
    text: str, *, has_attachment: bool = False, places: Collection[str] = ()
) -> ReportInfo:
    """What the message covers of the checklist; `places` are extra words that name a where."""
    text = text.replace("\u2019", "'")
    return ReportInfo(
        where=bool(_URL.search(text) or _WHERE.search(text) or _mentions(text, places)),
        steps=bool(_STEPS.search(text) or len(_NUMBERED.findall(text)) >= 2),
        account=find_account(text),
        screenshots=has_attachment or _IMAGE.search(text) is not None,
        device=_DEVICE.search(text) is not None,
    )


def title_from(text: str, limit: int = TITLE_LIMIT) -> str:
    """The first non-empty line, whitespace collapsed, cut at a word with … past `limit`."""
    line = next((" ".join(ln.split()) for ln in text.splitlines() if ln.strip()), "")
    if not line:
        return NO_TEXT
    limit = max(limit, 2)
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if line[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


# --- the entry point ------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    """How the desk should treat an incoming message."""

    chatter: bool
    security: bool
    secrets: tuple[SecretKind, ...]
    info: ReportInfo
    title: str
    redacted: str  # the text with its secrets replaced, as history may keep it


def classify(
    text: str, *, has_attachment: bool = False, places: Collection[str] = (), scanned: SecretScan | None = None
) -> Classification:
    """Classify an incoming chat message: chatter, security matter, and what its report lacks.

    `scanned` is scan(text) when the caller has it already: the search for secrets is the costly part."""
    found = scanned if scanned is not None else scan(text)
    secrets = found.secrets
    # A bare screenshot is a report, not small talk; a secret always needs handling.
    chatter = not secrets and not has_attachment and is_chatter(text)
    return Classification(
        chatter=chatter,
        security=bool(secrets) or looks_like_security(text),
        secrets=secrets,
        info=extract_report(text, has_attachment=has_attachment, places=places),
        title=title_from(found.redacted),
        redacted=found.redacted,
    )
