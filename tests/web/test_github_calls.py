"""The GitHub calls made outside the desk's transactions, against the local fake GitHub: /issue, polling with
ETags (a 304 spends no rate limit), a rate limit or an outage that only delays GitHub's own work, /healthz."""

from __future__ import annotations

import pytest

from supportbot.domain.ticket_states import Resolution, Status
from tests.web.github_world import PR_URL, REPO, GithubWorld, MakeWorld, make_github_world  # noqa: F401

STUCK = "My stake is stuck since the upgrade on Chrome, the button does nothing"


@pytest.fixture
async def polled(make_github_world: MakeWorld) -> GithubWorld:
    return await make_github_world(webhook=False)


@pytest.fixture
async def world(make_github_world: MakeWorld) -> GithubWorld:
    return await make_github_world()


async def linked(world: GithubWorld) -> None:
    world.fake.add_pull(REPO, 12)
    await world.say("/as Erin", "/in court", STUCK, "/as Alice", "/in team", "/take 1", f"/pr 1 {PR_URL}")
    await world.run_calls()


async def test_polling_asks_conditionally_and_a_304_spends_no_rate_limit(polled: GithubWorld) -> None:
    await linked(polled)
    spent = polled.fake.remaining

    assert await polled.poll() == 0

    assert polled.fake.requests[-1] == ("GET", f"/repos/{REPO}/pulls/12", 304)
    assert polled.fake.remaining == spent


async def test_polling_finds_the_merge_and_moves_the_ticket(polled: GithubWorld) -> None:
    await linked(polled)
    polled.fake.merge(REPO, 12, by="erin-dev")

    assert await polled.poll() == 1

    assert (await polled.ticket(1)).status is Status.FIX_PROVIDED
    assert await polled.poll() == 0  # merged: no longer followed
    assert polled.fake.requests[-1][1].endswith("/commits")


async def test_no_polling_with_a_webhook(world: GithubWorld) -> None:
    from supportbot import runtime

    assert "github-poll" not in [name for name, _, _ in runtime.periodic_jobs(world.app, [])]
    assert "github-calls" in [name for name, _, _ in runtime.periodic_jobs(world.app, [])]


async def test_a_spent_rate_limit_stops_polling_until_it_resets(polled: GithubWorld) -> None:
    await linked(polled)
    polled.fake.merge(REPO, 12)
    polled.fake.remaining = 0
    asked = len(polled.fake.requests)

    assert await polled.poll() == 0
    assert await polled.poll() == 0  # the client knows the limit is spent: it does not ask again

    assert polled.fake.requests[asked:] == [("GET", f"/repos/{REPO}/pulls/12", 403)]
    assert (await polled.ticket(1)).status is Status.IN_PROGRESS
    health = await (await polled.client.get("/healthz")).json()
    assert health["links"] == {"github": "rate_limited"}


async def test_github_down_never_holds_up_a_command_and_the_fetch_is_tried_again(world: GithubWorld, clock) -> None:
    world.fake.add_pull(REPO, 12)
    world.fake.fail_with = 502
    await world.say("/as Erin", "/in court", STUCK, "/as Alice", "/in team")

    answer = "\n".join(await world.say(f"/pr 1 {PR_URL}"))
    assert "PR attached to ticket #1" in answer and world.fake.requests == []  # no call made by the command
    await world.run_calls()
    assert world.fake.requests == [("GET", f"/repos/{REPO}/pulls/12", 502)]
    assert (await (await world.client.get("/healthz")).json())["links"] == {"github": "unreachable"}

    world.fake.fail_with = None
    await world.run_calls()
    assert len(world.fake.requests) == 1  # not due yet: it backs off
    clock.advance(seconds=31)
    await world.run_calls()
    assert (await world.ticket(1)).sub_state == "pr_review"
    assert (await (await world.client.get("/healthz")).json())["links"] == {"github": "ok"}


async def test_issue_opens_a_github_issue_linked_both_ways_and_its_closing_resolves(world: GithubWorld) -> None:
    await world.say("/as Erin", "/in court", STUCK, "/as Alice", "/in team")

    [queued] = await world.say("/issue 1")
    [again] = await world.say("/issue 1")
    await world.run_calls()
    [after] = await world.say("/issue 1")

    assert "Opening a GitHub issue in kleros/court for ticket #1" in queued
    assert "being opened already" in again and "already has a GitHub issue" in after
    [(key, issue)] = world.fake.issues.items()
    assert key == (REPO, 100)
    assert STUCK in issue["body"] and "http://127.0.0.1:8080/tickets/1" in issue["body"]
    assert "Erin" not in issue["body"] + issue["title"]  # never the reporter's handle
    assert "Issue #100 (open)" in "\n".join(await world.say("/ticket 1"))
    assert f"https://github.com/{REPO}/issues/100</a> · open" in await world.board_page(1)
    assert any("GitHub issue kleros/court#100 opened for ticket #1" in line for line in world.printed)

    world.fake.close_issue(REPO, 100, by="erin-dev")
    await world.deliver("issues", {"action": "closed", "issue": world.fake.issues[(REPO, 100)],
                                   "repository": {"full_name": REPO}, "sender": {"login": "erin-dev"}})

    ticket = await world.ticket(1)
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, Resolution.FIXED)
    [resolved] = [e for e in await world.history(1) if e.kind == "resolve"]
    assert (resolved.actor, resolved.detail) == ("GitHub (erin-dev)", f"fixed: GitHub issue {REPO}#100 closed")


async def test_an_issue_closed_while_polled_resolves_the_ticket(polled: GithubWorld) -> None:
    await polled.say("/as Erin", "/in court", STUCK, "/as Alice", "/in team", "/issue 1")
    await polled.run_calls()
    polled.fake.close_issue(REPO, 100)

    await polled.poll()

    assert (await polled.ticket(1)).status is Status.RESOLVED


@pytest.mark.parametrize(("line", "refusal"), [
    ("/issue 1 kleros/other", "kleros/other is not a repository of any product here"),
    ("/issue 2", "Ticket #2 has no product with a GitHub repository"),
])
async def test_issue_refusals(world: GithubWorld, line: str, refusal: str) -> None:
    await world.say("/as Erin", "/in court", STUCK, "/in curate", "Curate's list page is blank on Firefox",
                    "/as Alice", "/in team")

    [answer] = await world.say(line)

    assert refusal in answer
    await world.run_calls()
    assert world.fake.issues == {}


async def test_an_issue_github_refuses_is_given_up_and_the_team_told(world: GithubWorld, clock) -> None:
    await world.say("/as Erin", "/in court", STUCK, "/as Alice", "/in team", "/issue 1")
    world.fake.token = "another-token"  # GitHub refuses ours: 401

    await world.run_calls()
    clock.advance(hours=1)
    await world.run_calls()

    assert [r[2] for r in world.fake.requests] == [401]
    assert any("GitHub did not open the issue for ticket #1" in line for line in world.printed)


async def test_while_github_is_down_the_queued_calls_wait_together_and_all_go_once_it_is_back(
        world: GithubWorld, clock) -> None:
    world.fake.add_pull(REPO, 12)
    world.fake.add_pull(REPO, 13)
    await world.say("/as Erin", "/in court", STUCK, "Another: the juror page is empty", "/as Alice", "/in team",
                    f"/pr 1 {PR_URL}", "/pr 2 https://github.com/kleros/court/pull/13")
    world.fake.fail_with = 503

    await world.run_calls()
    assert len(world.fake.requests) == 1  # the first failed: the second was not tried against a down GitHub
    world.fake.fail_with = None
    clock.advance(seconds=29)
    await world.run_calls()
    assert len(world.fake.requests) == 1

    clock.advance(seconds=2)
    assert await world.run_calls() == 2
    assert [(await world.ticket(n)).sub_state for n in (1, 2)] == ["pr_review", "pr_review"]
