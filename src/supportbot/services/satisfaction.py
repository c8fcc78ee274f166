"""Satisfaction: the reporter rates a resolved ticket 1-5 (changeable for a while) and may add a comment by
replying; a low score tells the product owner in the team chat."""

from __future__ import annotations

from datetime import datetime

from supportbot.domain import permissions, texts
from supportbot.domain.people import Sender
from supportbot.domain.satisfaction import Rating
from supportbot.domain.ticket_states import Status
from supportbot.domain.tickets import DeskError, NotAllowed, Ticket
from supportbot.services.context import Deps
from supportbot.services.outbox import OutboxItem
from supportbot.services.ports import TicketEvent, UnitOfWork


async def rate(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, now: datetime, *, score: int) -> str:
    """The reporter's score for the resolved ticket: the first, or a change while the rating may change."""
    if not permissions.is_reporter(sender, ticket):
        raise NotAllowed(texts.RATING_REPORTER_ONLY.format(number=ticket.number))
    if ticket.status is not Status.RESOLVED:
        raise DeskError(texts.RATING_NOT_RESOLVED.format(number=ticket.number))
    policy = deps.satisfaction
    rating = await uow.ratings.of(ticket.stored_id)
    if rating is None:
        rating = Rating(ticket.stored_id, score, now, now)
        reply, was_low = texts.RATED, False
    elif not rating.may_change(now, policy):
        raise NotAllowed(texts.RATING_LOCKED.format(number=ticket.number,
                                                    within=texts.wall_clock_words(policy.change_within)))
    elif rating.score == score:
        return texts.RATING_UNCHANGED.format(number=ticket.number, score=score)
    else:
        reply, was_low = texts.RATING_CHANGED, policy.is_low(rating.score)
        rating.score, rating.updated_at = score, now
    await uow.ratings.save(rating)
    await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, "rating",
                                     texts.RATED_DETAIL.format(score=score)))
    if policy.is_low(score) and not was_low:
        await uow.outbox.add_many(_low_rating_notice(deps, ticket, rating))
    return reply.format(number=ticket.number, score=score)


async def take_comment(deps: Deps, uow: UnitOfWork, ticket: Ticket, sender: Sender, text: str,
                       now: datetime) -> bool:
    """A reporter's message in a rated ticket's conversation while its rating may still change is the rating's
    comment (added to what they said before); False when it is not one, and nothing was stored."""
    if ticket.status is not Status.RESOLVED or not permissions.is_reporter(sender, ticket) or not text.strip():
        return False
    rating = await uow.ratings.of(ticket.stored_id)
    if rating is None or not rating.may_change(now, deps.satisfaction):
        return False
    said = text.strip()
    rating.comment = f"{rating.comment}\n{said}" if rating.comment else said
    rating.comment = rating.comment[:texts.MAX_COMMENT]
    rating.updated_at = now
    await uow.ratings.save(rating)
    await uow.events.add(TicketEvent(ticket.stored_id, now, sender.name, "rating",
                                     texts.COMMENT_DETAIL.format(comment=said[:texts.MAX_COMMENT])))
    await uow.outbox.add_many(deps.notifier.to_ticket(ticket, texts.COMMENT_THANKS.format(number=ticket.number)))
    if deps.satisfaction.is_low(rating.score):
        await uow.outbox.add_many(_low_rating_notice(deps, ticket, rating, comment=said))
    return True


async def rating_of(deps: Deps, ticket: Ticket) -> str | None:
    """The ticket's rating as its page shows it, read in a transaction of its own; None while it is not rated."""
    async with deps.uow() as uow:
        return await rating_line(uow, ticket)


async def rating_line(uow: UnitOfWork, ticket: Ticket) -> str | None:
    """'Rating: 4/5 — "quick, thanks"' for the ticket's card and page, or None while it is not rated."""
    rating = await uow.ratings.of(ticket.stored_id)
    if rating is None:
        return None
    return texts.RATING_LINE.format(score=rating.score, comment=texts.comment_suffix(rating.comment))


def _low_rating_notice(deps: Deps, ticket: Ticket, rating: Rating, *, comment: str | None = None) -> list[OutboxItem]:
    """The product owner hears of a low score (and of the comment that follows it), tagged in the team chat."""
    text = texts.LOW_RATING_NOTICE.format(number=ticket.number, title=ticket.title, score=rating.score,
                                          reporter=ticket.reporter_name, comment=texts.comment_suffix(comment))
    return deps.notifier.to_team(text, ticket=ticket, mentions=deps.notifier.owner_mentions(ticket.product))
