"""What the bot says about its own delivery: notices that came faster than a chat may show them, folded
into one message (a digest) that lists every ticket they were about."""

# Heads of a digest; {reason} is one of the two below.
FOLD_HEAD = "📨 {count} {notices} in one: {reason}."
FOLD_HEAD_PART = "📨 {count} {notices} in one ({part} of {parts}): {reason}."
FOLD_BURST = "{platform} lets the bot post only so many messages here a minute"
FOLD_BOUND = "this chat's queue passed {bound} messages waiting"
# The compact lines of a digest too long to quote each notice: every ticket number, emergencies first.
FOLD_EMERGENCIES = "🚨 {count} {emergencies}: {numbers}"
FOLD_OTHERS = "🐛 {count} {tickets}: {numbers}"
FOLD_FOOT = "/ticket <number> shows one."


def fold_head(count: int, reason: str, part: int = 1, parts: int = 1) -> str:
    """The first line of a digest of `count` notices (part `part` of `parts` when it takes several messages)."""
    notices = "notice" if count == 1 else "notices"
    if parts > 1:
        return FOLD_HEAD_PART.format(count=count, notices=notices, part=part, parts=parts, reason=reason)
    return FOLD_HEAD.format(count=count, notices=notices, reason=reason)


def fold_numbers(numbers: list[int], *, emergency: bool) -> str:
    """'🚨 3 emergencies: #4, #7, #9' or '🐛 1 other ticket: #5'."""
    listed = ", ".join(f"#{n}" for n in numbers)
    if emergency:
        word = "emergency" if len(numbers) == 1 else "emergencies"
        return FOLD_EMERGENCIES.format(count=len(numbers), emergencies=word, numbers=listed)
    word = "other ticket" if len(numbers) == 1 else "other tickets"
    return FOLD_OTHERS.format(count=len(numbers), tickets=word, numbers=listed)
