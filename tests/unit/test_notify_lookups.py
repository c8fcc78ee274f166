"""What the notifier looks up in the directory for every notice, and keeps: product names and owner tags."""

from __future__ import annotations

from types import SimpleNamespace

from support.desk_world import ALICE, CAROL, DIRECTORY
from supportbot.domain.calendar import BusinessCalendar
from supportbot.domain.people import Directory, Person, Product, Role
from supportbot.domain.sla import Policy
from supportbot.services.clocks import Clocks
from supportbot.services.notify import Notifier, mention_of
from supportbot.services.outbox import Mention

DAVE = Person("Dave", frozenset({Role.OWNER}))
DIRECTORY_WITH_UNOWNED = Directory(
    people=(*DIRECTORY.people, DAVE),
    products=(*DIRECTORY.products, Product("curate", "Curate", ())),
)


def notifier(directory: Directory) -> Notifier:
    return Notifier(directory, Clocks(BusinessCalendar(), Policy()))


def test_a_product_s_owners_are_tagged_else_everyone_with_the_owner_role() -> None:
    tags = notifier(DIRECTORY_WITH_UNOWNED)

    assert tags.owner_mentions("court") == (Mention("Carol"),)
    assert tags.owner_mentions("COURT") == (Mention("Carol"),)
    assert tags.owner_mentions("curate") == (Mention("Carol"), Mention("Dave"))
    assert tags.owner_mentions("unknown") == (Mention("Carol"), Mention("Dave"))
    assert tags.owner_mentions(None) == (Mention("Carol"), Mention("Dave"))
    # Asked again, the same answers.
    assert tags.owner_mentions("court") == (Mention("Carol"),)
    assert tags.owner_mentions(None) == (Mention("Carol"), Mention("Dave"))


def test_two_notifiers_keep_their_own_directory_s_answers() -> None:
    assert notifier(DIRECTORY).owner_mentions("curate") == (Mention("Carol"),)
    assert notifier(DIRECTORY_WITH_UNOWNED).owner_mentions("curate") == (Mention("Carol"), Mention("Dave"))


def test_a_ticket_s_product_is_named_as_configured_or_by_its_key() -> None:
    names = notifier(DIRECTORY_WITH_UNOWNED)

    def named(product: str | None) -> str | None:
        return names.product_name(SimpleNamespace(product=product))  # type: ignore[arg-type]

    assert named("court") == "Court v2"
    assert named("Court") == "Court v2"
    assert named("court") == "Court v2"
    assert named("gone") == "gone"
    assert named(None) is None


def test_a_person_s_mention_is_their_name() -> None:
    assert mention_of(ALICE) == Mention("Alice")
    assert mention_of(CAROL) == mention_of(CAROL) == Mention("Carol", team=False)
