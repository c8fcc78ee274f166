"""The command grammar of ARCHITECTURE.md §6."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportbot.domain.command_parser import parse_command
from supportbot.domain.commands import (
    COMMANDS,
    AddNote,
    Assign,
    AttachPR,
    Command,
    CommandError,
    DeclareEmergency,
    Faq,
    Handoff,
    Keep,
    ListTickets,
    OpenIssue,
    Reopen,
    Report,
    Resolve,
    SendBoardLink,
    SetPriority,
    SetProduct,
    SetSeverity,
    SetStatus,
    ShowBacklog,
    ShowDigest,
    ShowHelp,
    ShowOnCall,
    ShowStats,
    ShowTicket,
    Take,
    usage_for,
)
from supportbot.domain.ticket_states import Priority, Resolution, Severity, Status
from supportbot.domain.tickets import DeskError

PR = "https://github.com/kleros/court/pull/42"

PARSED = [
    ("/report the stake page is blank", Report("the stake page is blank")),
    ("/report line one\n  line two ", Report("line one\n  line two")),
    ("/emergency court is down", DeclareEmergency("court is down")),
    ("/ticket", ShowTicket(None)),
    ("/ticket 12", ShowTicket(12)),
    ("/ticket #12", ShowTicket(12)),
    ("/tickets", ListTickets(None, None)),
    ("/tickets Court", ListTickets("court", None)),
    ("/tickets in_progress", ListTickets(None, Status.IN_PROGRESS)),
    ("/tickets court 🟡", ListTickets("court", Status.FIX_PROVIDED)),
    ("/tickets resolved curate", ListTickets("curate", Status.RESOLVED)),
    ("/status 12 in_progress", SetStatus(12, Status.IN_PROGRESS, "")),
    ("/status #12 fix_provided deployed to staging", SetStatus(12, Status.FIX_PROVIDED, "deployed to staging")),
    ("/status 12 🔴", SetStatus(12, Status.RECEIVED, "")),
    ("/status 12 ⭕️ looking", SetStatus(12, Status.IN_PROGRESS, "looking")),
    ("/status 12 ⭕", SetStatus(12, Status.IN_PROGRESS, "")),
    ("/status 12 🟡", SetStatus(12, Status.FIX_PROVIDED, "")),
    ("/status 12 🟢 done", SetStatus(12, Status.RESOLVED, "done")),
    ("/status 12 progress", SetStatus(12, Status.IN_PROGRESS, "")),
    ("/status 12 In-Progress", SetStatus(12, Status.IN_PROGRESS, "")),
    ("/status 12 in progress now", SetStatus(12, Status.IN_PROGRESS, "now")),
    ("/status 12 RESOLVED", SetStatus(12, Status.RESOLVED, "")),
    ("/status 12 in_progress pr_review", SetStatus(12, Status.IN_PROGRESS, "", "pr_review")),
    ("/status 12 ⭕️ deploying v2.3 tonight", SetStatus(12, Status.IN_PROGRESS, "v2.3 tonight", "deploying")),
    ("/status 12 wip review", SetStatus(12, Status.IN_PROGRESS, "", "pr_review")),
    ("/status 12 fix_provided deploying", SetStatus(12, Status.FIX_PROVIDED, "deploying")),
    ("/priority 12 p1", SetPriority(12, Priority.P1)),
    ("/priority #12 P4", SetPriority(12, Priority.P4)),
    ("/product 12 Court", SetProduct(12, "court")),
    ("/backlog", ShowBacklog(None)),
    ("/backlog court", ShowBacklog("court")),
    ("/digest", ShowDigest(None)),
    ("/digest court", ShowDigest("court")),
    ("/faq", Faq(None)),
    ("/take 7", Take(7)),
    ("/assign 7 @alice", Assign(7, "@alice")),
    ("/pr 7 " + PR, AttachPR(7, PR)),
    ("/pr 7 <" + PR + ">", AttachPR(7, PR)),
    ("/issue 7", OpenIssue(7)),
    ("/issue 7 kleros/kleros-v2", OpenIssue(7, "kleros/kleros-v2")),
    ("/note 7 user confirmed on mobile", AddNote(7, "user confirmed on mobile")),
    ("/severity 7 emergency", SetSeverity(7, Severity.EMERGENCY)),
    ("/severity 7 normal", SetSeverity(7, Severity.NORMAL)),
    ("/severity 7 🚨", SetSeverity(7, Severity.EMERGENCY)),
    ("/resolve 7", Resolve(7, None, "")),
    ("/resolve 7 fixed", Resolve(7, Resolution.FIXED, "")),
    ("/resolve 7 answered see faq#stake", Resolve(7, Resolution.ANSWERED, "see faq#stake")),
    ("/resolve 7 duplicate of #3", Resolve(7, Resolution.DUPLICATE, "of #3")),
    ("/resolve 7 not_an_issue", Resolve(7, Resolution.NOT_AN_ISSUE, "")),
    ("/resolve 7 not-an-issue", Resolve(7, Resolution.NOT_AN_ISSUE, "")),
    ("/resolve 7 fixed the config", Resolve(7, Resolution.FIXED, "the config")),
    ("/reopen 7", Reopen(7)),
    ("/reopen 7", Reopen(7, Status.RECEIVED)),
    ("/reopen 7 in_progress", Reopen(7, Status.IN_PROGRESS)),
    ("/oncall", ShowOnCall()),
    ("/handoff bob", Handoff("bob", "")),
    ("/handoff bob #4 waits on a deploy", Handoff("bob", "#4 waits on a deploy")),
    ("/keep 4", Keep(4)),
    ("/faq Stake", Faq("stake")),
    ("/stats", ShowStats(None, "week")),
    ("/stats month", ShowStats(None, "month")),
    ("/stats court", ShowStats("court", "week")),
    ("/stats court quarter", ShowStats("court", "quarter")),
    ("/stats year Court", ShowStats("court", "year")),
    ("/dashboard", SendBoardLink()),
    ("/help", ShowHelp()),
    ("/HELP", ShowHelp()),
    ("/start", ShowHelp()),
    ("  /Take 7", Take(7)),
    ("/take@SupportBot 7", Take(7)),
    ("/take@supportbot 7", Take(7)),
    (f"/ticket {2**31 - 1}", ShowTicket(2**31 - 1)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_every_command_parses_to_its_dataclass(text: str, expected: Command) -> None:
    parsed = parse_command(text, bot_username="SupportBot")
    assert parsed == expected
    assert type(parsed) is type(expected)


def test_every_command_is_in_the_table() -> None:
    parsed_names = {text.split()[0].lstrip("/").split("@")[0].lower() for text, _ in PARSED}
    assert {spec.name for spec in COMMANDS} <= parsed_names


REFUSED = [
    "/xyz", "/report", "/report   ", "/emergency", "/ticket abc", "/ticket 0", "/ticket -3",
    f"/ticket {2**31}", "/ticket 99999999999999999999999999999", "/ticket 1 2", "/tickets a b",
    "/tickets resolved received", "/status", "/status 12", "/status 12 maybe", "/status abc resolved",
    "/take", "/take x", "/take 1 2", "/assign 7", "/assign", "/assign 7 alice bob", "/pr 7",
    "/pr 7 github.com/x/pull/1", "/pr 7 ftp://example.org/x", "/pr 7 https://x.org/1 extra",
    "/note 7", "/note", "/severity 7", "/severity 7 high", "/severity 7 emergency now",
    "/resolve", "/resolve 7 wontfix", "/resolve 7 wont fix", "/resolve 7 user was on the wrong network",
    "/reopen", "/reopen 7 resolved", "/reopen 7 fix_provided", "/reopen 7 please",
    "/oncall now", "/handoff", "/keep", "/faq a b", "/priority 12", "/priority 12 high",
    "/priority 12 p5", "/priority p1", "/product 12", "/product 12 court now", "/backlog a b", "/digest a b", "/stats a b", "/stats week month",
    "/help me", "/dashboard now", "/issue", "/issue 7 court", "/issue 7 kleros/court now",
    "/pr 7 https://github.com/kleros/court/issues/3", "/pr 7 https://gitlab.com/kleros/court/-/merge_requests/3",
]  # fmt: skip


@pytest.mark.parametrize("text", REFUSED)
def test_every_refusal_is_one_line_with_the_usage(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    message = str(caught.value)
    assert "Usage:" in message
    assert "\n" not in message
    assert message == f"{caught.value.reason} Usage: {caught.value.usage}"
    assert isinstance(caught.value, DeskError)


@pytest.mark.parametrize("text", ["/resolve 7 wontfix", "/resolve 7 the user was on the wrong network"])
def test_a_resolve_note_needs_a_known_reason_first(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    assert caught.value.reason == (
        "Start the note with a reason: fixed, answered, duplicate or not_an_issue.")
    assert caught.value.usage == "/resolve <id> [fixed|answered|duplicate|not_an_issue [note]]"


KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"


@pytest.mark.parametrize("text", [
    f"/take {KEY}", f"/take 0x{KEY}", f"/ticket 1 {KEY}", f"/pr 1 {KEY}", f"/severity 1 {KEY}",
    f"/status 1 {KEY}", f"/take {SEED}", f"/ticket 1 {SEED}", f"/keep {KEY[:32]}\n{KEY[32:]}",
    f"/resolve 1 fixed {SEED}", f"/note 1 {KEY}", f"/xyz {SEED}",
])
def test_a_refusal_never_quotes_a_command_holding_a_secret(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    message = str(caught.value)
    assert not any(KEY[i:i + 8] in message for i in range(len(KEY) - 8))
    assert not any(word in message for word in SEED.split())


def test_a_long_hex_word_is_not_quoted_even_when_it_is_no_key() -> None:
    with pytest.raises(CommandError) as caught:
        parse_command("/take 0x" + "ab12" * 15)  # 60 digits: perhaps part of a key
    assert "ab12" not in str(caught.value)


def test_a_report_keeps_its_text_for_the_desk_to_redact() -> None:
    assert parse_command(f"/report lost it all, seed {SEED}") == Report(f"lost it all, seed {SEED}")


def test_unknown_command_points_to_help() -> None:
    with pytest.raises(CommandError) as caught:
        parse_command("/xyz 1 2")
    assert caught.value.reason == "Unknown command /xyz."
    assert caught.value.usage == usage_for("help")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/take", Take(9)),
        ("/keep", Keep(9)),
        ("/ticket", ShowTicket(9)),
        ("/status 🟢 shipped", SetStatus(9, Status.RESOLVED, "shipped")),
        ("/assign alice", Assign(9, "alice")),
        ("/pr " + PR, AttachPR(9, PR)),
        ("/note waiting for the reporter", AddNote(9, "waiting for the reporter")),
        ("/note 3 people affected", AddNote(9, "3 people affected")),
        ("/note #3 people affected", AddNote(3, "people affected")),
        ("/severity emergency", SetSeverity(9, Severity.EMERGENCY)),
        ("/resolve duplicate", Resolve(9, Resolution.DUPLICATE, "")),
        ("/reopen", Reopen(9)),
        ("/take 4", Take(4)),
    ],
)
def test_reply_ticket_fills_a_missing_id(text: str, expected: Command) -> None:
    assert parse_command(text, reply_ticket=9) == expected


def test_commands_for_another_bot_are_ignored() -> None:
    assert parse_command("/take@OtherBot 7", bot_username="SupportBot") is None
    assert parse_command("/xyz@OtherBot", bot_username="@SupportBot") is None
    assert parse_command("/take@OtherBot 7") == Take(7)


@pytest.mark.parametrize(
    "text", ["", "hello", "the /take command", "/", "/ take 7", "/home/user/file is missing", "#12"]
)
def test_plain_text_is_no_command(text: str) -> None:
    assert parse_command(text) is None


def test_command_table_fits_help_and_registration() -> None:
    names = [spec.name for spec in COMMANDS]
    assert names == [
        "report", "emergency", "ticket", "tickets", "status", "take", "assign", "pr", "issue", "note",
        "severity", "priority", "product", "backlog", "resolve", "reopen", "oncall", "handoff", "keep", "faq",
        "stats", "digest", "dashboard", "help",
    ]  # fmt: skip
    for spec in COMMANDS:
        assert spec.audience in {"anyone", "team", "oncall"}
        assert spec.usage.startswith(f"/{spec.name}")
        assert len(spec.summary) < 60 and not spec.summary.endswith(".")
        assert usage_for(spec.name) == spec.usage


NAMES = [spec.name for spec in COMMANDS] + ["start", "xyz", "Status", "TAKE"]
WORDS = [
    "12", "#12", "0", "#", "-1", "99999999999", "🔴", "⭕️", "🟢", "in", "progress",
    "court", "week", "fixed", "not", "an", "issue", "@bot", PR, "<" + PR + ">",
]  # fmt: skip
ARGS = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(WORDS), st.integers().map(str)), max_size=5
)


def _survives(text: str, reply_ticket: int | None, bot_username: str | None) -> None:
    try:
        result = parse_command(text, bot_username=bot_username, reply_ticket=reply_ticket)
    except CommandError as err:
        assert "Usage:" in str(err)
    else:
        assert result is None or isinstance(result, Command)


@settings(max_examples=500)
@given(
    st.text(),
    st.none() | st.integers(1, 2**31 - 1),
    st.none() | st.sampled_from(["bot", "@Bot"]),
)
def test_any_text_parses_or_is_refused(
    text: str, reply_ticket: int | None, bot_username: str | None
) -> None:
    _survives(text, reply_ticket, bot_username)


@settings(max_examples=500)
@given(
    st.sampled_from(NAMES),
    st.sampled_from(["", "@bot", "@other"]),
    ARGS,
    st.sampled_from([" ", "  ", "\n", "\t"]),
    st.none() | st.integers(1, 2**31 - 1),
)
def test_any_command_with_any_arguments_parses_or_is_refused(
    name: str, mention: str, args: list[str], sep: str, reply_ticket: int | None
) -> None:
    _survives(sep.join([f"/{name}{mention}", *args]), reply_ticket, "bot")
