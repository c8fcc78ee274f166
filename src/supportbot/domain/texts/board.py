"""What team members read about the board: the sign-in link from chat, the sign-in pages, the board's answers."""

LINK_MINUTES = 10  # how long a sign-in link works

# /dashboard in chat.
BOARD_LINK = ("Your sign-in link to the team board (works once, for {minutes} minutes; do not share it):\n"
              "{link}")
BOARD_LINK_SENT = "I sent you a private link to sign in to the team board."
# Said in the chat instead when the platform will not let the bot write to the person privately.
BOARD_LINK_NOT_DELIVERED = ("I could not write to you privately: open a private chat with me, then type "
                            "/dashboard there.")
BOARD_OFF = "The team board is not running here ([web] enabled = false)."
BOARD_NOT_LISTED = "Only team members listed in the config can sign in to the board."

# The sign-in pages.
LINK_EXPIRED = "This link has expired or was already used: type /dashboard in chat for a new one."
TOO_MANY_TRIES = "Too many sign-in attempts from here: wait a minute and try again."
SIGN_IN_HOW = ("The board is for the support team. Type /dashboard in any chat with the bot (or in the "
               "console) and follow the private link it sends you; each link works once, for {minutes} minutes.")
SIGNED_OUT = "You are signed out."

# The board's filters and actions.
NO_SUCH_FILTER = "There is no {what} {value!r}: the board shows everything instead."
NOT_A_CHOICE = "{value!r} is not a {what}; nothing was changed."
MISSING_FIELD = "Give {what}; nothing was changed."

# The SLA countdown on a card ({what}: first response or next escalation; {span}: e.g. "2h 5m").
FIRST_RESPONSE = "first response"
NEXT_ESCALATION = "next escalation"
CLOSES_AS_FIXED = "closes as fixed"  # 🟡: the reporter has not answered yet
DUE_IN = "{what} in {span}"
OVERDUE = "breached: {what} was due {span} ago"
FIRST_RESPONSE_OWED = "breached: first response overdue · next escalation in {span}"
RESOLVED_AGO = "resolved {span} ago"
