"""Config into the desk's rules: who is who and which chat is what, the business calendar, the SLA
policy, when reporters are asked to rate, the ticket limit, the on-call rotation. bootstrap wires them
into the app."""

from __future__ import annotations

from datetime import UTC, datetime

from supportbot.config import Settings
from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.limits import TicketLimit
from supportbot.domain.oncall import Rotation
from supportbot.domain.people import Directory, Person, Product, Role
from supportbot.domain.satisfaction import SatisfactionPolicy
from supportbot.domain.sla import Policy
from supportbot.domain.ticket_states import Resolution

# The console chat has no real ids: these stand in for its places.
CONSOLE_PRODUCT_BASE = 100
CONSOLE_EMERGENCY = 900
CONSOLE_TEAM = 500
CONSOLE_SECURITY = 700


def console_chat_ids(settings: Settings) -> dict[str, int]:
    """Console place names (product keys, emergency, team, security) to chat ids."""
    ids = {p.key: CONSOLE_PRODUCT_BASE + i for i, p in enumerate(settings.products)}
    ids.update(emergency=CONSOLE_EMERGENCY, team=CONSOLE_TEAM, security=CONSOLE_SECURITY)
    return ids


def build_directory(settings: Settings, platforms: set[str]) -> Directory:
    """People, products and chats from config, for the platforms that run."""
    people = tuple(
        Person(name=p.name, roles=frozenset(Role(r) for r in p.roles), telegram_id=p.telegram_id,
               telegram_username=p.telegram_username, discord_id=p.discord_id)
        for p in settings.people
    )
    console = console_chat_ids(settings)
    products = []
    for product in settings.products:
        chats = {"telegram": tuple(product.telegram_chats), "discord": tuple(product.discord_channels),
                 "console": (console[product.key],)}
        digest = {"telegram": product.digest_telegram_chat, "discord": product.digest_discord_channel}
        products.append(Product(product.key, product.name, tuple(product.owners),
                                {k: v for k, v in chats.items() if k in platforms},
                                digest_chats={k: v for k, v in digest.items() if k in platforms and v is not None}))
    emergency = {"telegram": tuple(settings.emergency.telegram_chats),
                 "discord": tuple(settings.emergency.discord_channels), "console": (CONSOLE_EMERGENCY,)}
    team = {"telegram": settings.oncall.team_telegram_chat, "discord": settings.oncall.team_discord_channel,
            "console": CONSOLE_TEAM}
    security = {"telegram": settings.security.telegram_chat, "discord": settings.security.discord_channel,
                "console": CONSOLE_SECURITY}
    return Directory(
        people=people, products=tuple(products),
        emergency_chats={k: v for k, v in emergency.items() if k in platforms and v},
        team_chats={k: v for k, v in team.items() if k in platforms and v is not None},
        security_chats={k: v for k, v in security.items() if k in platforms and v is not None},
        discord_team_role=settings.oncall.discord_team_role if "discord" in platforms else None,
    )


def build_calendar(settings: Settings) -> BusinessCalendar:
    """The business calendar of [business_hours]."""
    hours = settings.business_hours
    return BusinessCalendar(
        timezone=hours.timezone, days=hours.days, opens=hours.open, closes=hours.close,
        country=hours.holidays.country, subdivision=hours.holidays.subdivision,
        extra_holidays=hours.holidays.extra,
    )


def build_policy(settings: Settings) -> Policy:
    """The SLA policy of [policy]."""
    return Policy(
        emergency_first_response=settings.policy.emergency.first_response,
        emergency_escalate_every=settings.policy.emergency.escalate_every,
        normal_first_response=settings.policy.normal.first_response,
        normal_stagnant_after=settings.policy.normal.stagnant_after,
        confirm_after=settings.confirmation.confirm_after,
    )


def build_satisfaction(settings: Settings) -> SatisfactionPolicy:
    """When reporters are asked to rate a resolved ticket, from [satisfaction]."""
    asked = settings.satisfaction
    return SatisfactionPolicy(
        enabled=asked.enabled, change_within=asked.change_within.as_timedelta(), low_score=asked.low_score,
        ask_after=frozenset(Resolution(value) for value in asked.ask_after),
    )


def build_ticket_limit(settings: Settings) -> TicketLimit:
    """How many tickets one reporter may open in a window, from [limits]."""
    limits = settings.limits
    return TicketLimit(limits.tickets_per_user, limits.tickets_per_user_window.as_timedelta())


def build_rotation(settings: Settings) -> Rotation:
    """The on-call rotation of [oncall]; it starts at the config's instant or at the epoch."""
    starts = settings.oncall.starts or datetime(2026, 1, 5, 9, tzinfo=UTC)
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=UTC)
    return Rotation(tuple(settings.oncall.rotation), settings.oncall.shift.as_timedelta(), starts)
