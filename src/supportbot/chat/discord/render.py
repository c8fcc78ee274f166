"""Discord forms of the desk's texts: card embeds and buttons, mentions, and Discord's length limits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

from supportbot.domain import texts
from supportbot.domain.people import Directory
from supportbot.domain.ticket_states import MARKERS, Status
from supportbot.services.outbox import CardButtons, Mention, OutboxPayload

MAX_CONTENT = 2000
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_THREAD_NAME = 100
MAX_CHOICE_NAME = 100
ELLIPSIS = "…"
WARNING = "⚠️ "  # before a refusal
BUTTON_INVALID = "That button is no longer valid."
CUSTOM_ID_PREFIX = "sb"
_CUSTOM_ID = re.compile(r"sb:([1-9][0-9]{0,9}):([a-z][a-z0-9_]{0,31})")

STATUS_COLOURS = {
    Status.RECEIVED: discord.Colour(0xE74C3C),  # red
    Status.IN_PROGRESS: discord.Colour(0xE67E22),  # orange
    Status.FIX_PROVIDED: discord.Colour(0xF1C40F),  # yellow
    Status.RESOLVED: discord.Colour(0x2ECC71),  # green
}
NEUTRAL_COLOUR = discord.Colour(0x95A5A6)
BUTTON_STYLES = {
    "take": discord.ButtonStyle.primary,
    "resolved": discord.ButtonStyle.success,
    "confirm_fixed": discord.ButtonStyle.success,
    "still_broken": discord.ButtonStyle.danger,
    "faq_solved": discord.ButtonStyle.success,
}


def clip(text: str, limit: int) -> str:
    """The text cut to `limit` characters, ending with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def chunks(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """The text in pieces of at most `limit` characters, cut at line ends where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


# --- buttons ---------------------------------------------------------------------


def custom_id(number: int, action: str) -> str:
    """The custom id of a card button: 'sb:<ticket number>:<action>'."""
    return f"{CUSTOM_ID_PREFIX}:{number}:{action}"


def parse_custom_id(value: object) -> tuple[int, str] | None:
    """(ticket number, action) from a button's custom id, or None when it is not one of ours.

    The custom id comes back from the client, so it is checked like any user input."""
    if not isinstance(value, str) or len(value) > 100:
        return None
    match = _CUSTOM_ID.fullmatch(value)
    if match is None:
        return None
    return texts.button_target(match.group(1), match.group(2))


def card_view(payload: OutboxPayload) -> discord.ui.View | None:
    """A card's buttons, or a reporter's under a question (CardButtons); None for none.

    The view is stopped before it is sent: presses of every card, old or new, are handled by the
    adapter's interaction handler, so discord.py need not keep one view per message in memory."""
    if not isinstance(payload, CardButtons):
        return None
    number = payload.ticket_number
    labelled = [(a, label) for a in payload.actions if (label := texts.button_label(a)) is not None]
    if not labelled:
        return None
    view = discord.ui.View(timeout=None)
    for action, label in labelled:
        view.add_item(discord.ui.Button(label=label, custom_id=custom_id(number, action),
                                        style=BUTTON_STYLES.get(action, discord.ButtonStyle.secondary)))
    view.stop()
    return view


# --- the card --------------------------------------------------------------------


def status_of(card_text: str) -> Status | None:
    """The status a card shows, from the marker its headline starts with."""
    for status, marker in MARKERS.items():
        if card_text.startswith(marker):
            return status
    return None


def card_embed(card_text: str) -> discord.Embed:
    """The card as an embed: the headline as title, the rest as description, coloured by status."""
    headline, _, body = card_text.partition("\n")
    status = status_of(card_text)
    return discord.Embed(
        title=clip(headline, MAX_EMBED_TITLE),
        description=clip(body, MAX_EMBED_DESCRIPTION) or None,
        colour=STATUS_COLOURS.get(status, NEUTRAL_COLOUR) if status else NEUTRAL_COLOUR,
    )


def card_title(card_text: str) -> str:
    """The ticket's title as the card shows it (the line under the headline)."""
    lines = card_text.split("\n")
    return lines[1] if len(lines) > 1 else ""


def thread_name(number: int | None, title: str) -> str:
    """'#12 Staking fails…': the name of a ticket's thread; its status lives in the card."""
    head = f"#{number}" if number is not None else "Ticket"
    name = " ".join(f"{head} {title}".split())
    return clip(name, MAX_THREAD_NAME)


# --- mentions --------------------------------------------------------------------


@dataclass(frozen=True)
class Handle:
    """A mention resolved for Discord: a user id, a role id, or neither (then the plain name)."""

    name: str
    user_id: int | None = None
    role_id: int | None = None


def handles(mentions: Iterable[Mention], people: Directory | None) -> list[Handle]:
    """The Discord ids of the people (and the team role) a message tags, from config."""
    found = []
    for tag in mentions:
        if tag.team:
            found.append(Handle(tag.name, role_id=people.discord_team_role if people else None))
            continue
        person = people.person(tag.name) if people is not None else None
        found.append(Handle(tag.name, user_id=person.discord_id if person else None))
    return found


def mention_text(handle: Handle) -> str:
    """A mention as Discord writes it: <@user> or <@&role>, else the plain name."""
    if handle.role_id is not None:
        return f"<@&{handle.role_id}>"
    if handle.user_id is not None:
        return f"<@{handle.user_id}>"
    return f"@{handle.name}"


def mention_line(tagged: Sequence[Handle]) -> str:
    """Every mention once, in order, on one line."""
    return " ".join(dict.fromkeys(mention_text(handle) for handle in tagged))


def allowed_mentions(tagged: Iterable[Handle] = ()) -> discord.AllowedMentions:
    """Exactly the users and roles the desk asked to tag: no text a user wrote can ping anyone else."""
    users: list[discord.Object] = []
    roles: list[discord.Object] = []
    for handle in tagged:
        if handle.role_id is not None:
            roles.append(discord.Object(handle.role_id))
        elif handle.user_id is not None:
            users.append(discord.Object(handle.user_id))
    return discord.AllowedMentions(everyone=False, users=_unique(users), roles=_unique(roles), replied_user=False)


def _unique(objects: list[discord.Object]) -> list[discord.Object]:
    seen: dict[int, discord.Object] = {}
    for obj in objects:
        seen.setdefault(obj.id, obj)
    return list(seen.values())


def message_content(text: str, tagged: Sequence[Handle] = ()) -> str:
    """A plain message: the text, then its mentions, within Discord's 2,000 characters (mentions kept whole)."""
    line = mention_line(tagged)
    if not line:
        return clip(text, MAX_CONTENT)
    room = MAX_CONTENT - len(line) - 1
    return f"{clip(text, max(room, 0))}\n{line}" if room > 0 else clip(line, MAX_CONTENT)
