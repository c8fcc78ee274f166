"""People and places: who is on the team, which chat belongs to which product."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(str, enum.Enum):
    ENGINEER = "engineer"
    OWNER = "owner"
    SECURITY = "security"
    ADMIN = "admin"


@dataclass(frozen=True)
class Person:
    """A team member from config, known by platform user ids (usernames change)."""

    name: str
    roles: frozenset[Role] = frozenset()
    telegram_id: int | None = None
    telegram_username: str | None = None
    discord_id: int | None = None

    def platform_id(self, platform: str) -> int | None:
        """This person's user id on `platform`, if known."""
        return {"telegram": self.telegram_id, "discord": self.discord_id}.get(platform)


@dataclass(frozen=True)
class Sender:
    """Whoever wrote a message: a platform user, resolved to a Person when on the team."""

    platform: str
    user_id: int
    display_name: str
    username: str | None = None
    person: Person | None = None
    role_ids: frozenset[int] = frozenset()

    @property
    def is_team(self) -> bool:
        """True for team members (listed in config or holding a team role)."""
        return self.person is not None

    @property
    def name(self) -> str:
        """The team name when known, else the platform display name."""
        return self.person.name if self.person else self.display_name


class ChannelKind(str, enum.Enum):
    PRODUCT = "product"
    EMERGENCY = "emergency"
    TEAM = "team"
    SECURITY = "security"
    PRIVATE = "private"


@dataclass(frozen=True)
class Place:
    """What a chat is for: a product's support channel, the emergency channel, ..."""

    kind: ChannelKind
    product: str | None = None


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    owners: tuple[str, ...] = ()
    chats: dict[str, tuple[int, ...]] = field(default_factory=dict)  # platform -> chat ids
    digest_chats: dict[str, int] = field(default_factory=dict)  # platform -> the owners' digest chat


@dataclass(frozen=True)
class Directory:
    """Everyone and every place the desk knows, built once from config."""

    people: tuple[Person, ...] = ()
    products: tuple[Product, ...] = ()
    emergency_chats: dict[str, tuple[int, ...]] = field(default_factory=dict)
    team_chats: dict[str, int] = field(default_factory=dict)
    security_chats: dict[str, int] = field(default_factory=dict)
    discord_team_role: int | None = None
    default_product: str | None = None

    def person(self, name: str) -> Person | None:
        """The person called `name` (case-insensitive), if any."""
        wanted = name.strip().lstrip("@").casefold()
        for person in self.people:
            if person.name.casefold() == wanted or (
                person.telegram_username and person.telegram_username.casefold() == wanted
            ):
                return person
        return None

    def by_platform_id(self, platform: str, user_id: int) -> Person | None:
        """The team member with this platform user id, if any."""
        for person in self.people:
            if person.platform_id(platform) == user_id:
                return person
        return None

    def product(self, key: str) -> Product | None:
        """The product with this key (case-insensitive), if any."""
        wanted = key.casefold()
        return next((p for p in self.products if p.key.casefold() == wanted), None)

    def owners_of(self, product_key: str | None) -> tuple[Person, ...]:
        """The product owners of a product, as people."""
        product = self.product(product_key) if product_key else None
        names = product.owners if product else ()
        return tuple(p for n in names if (p := self.person(n)) is not None)

    def with_role(self, role: Role) -> tuple[Person, ...]:
        """Everyone holding `role`."""
        return tuple(p for p in self.people if role in p.roles)

    def place(self, platform: str, chat_id: int) -> Place | None:
        """What the chat `chat_id` on `platform` is for, or None if not configured."""
        for product in self.products:
            if chat_id in product.chats.get(platform, ()):
                return Place(ChannelKind.PRODUCT, product.key)
        if chat_id in self.emergency_chats.get(platform, ()):
            return Place(ChannelKind.EMERGENCY, self.default_product)
        if self.team_chats.get(platform) == chat_id:
            return Place(ChannelKind.TEAM)
        if self.security_chats.get(platform) == chat_id:
            return Place(ChannelKind.SECURITY)
        return None
