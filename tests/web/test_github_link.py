"""Tickets follow GitHub, end to end: /pr and /issue typed in the console, the desk's calls to the local fake
GitHub REST API, and signed webhook deliveries posted to the running web server (manual clock)."""

from __future__ import annotations

import pytest

from supportbot.domain import texts
from supportbot.domain.ticket_states import Resolution, Status
from supportbot.web.github_webhook import signature
from tests.web.github_world import (  # noqa: F401  (make_github_world: fixture)
    PR_URL,
    REPO,
    SECRET,
    GithubWorld,
    MakeWorld,
    make_github_world,
    pull_event,
)

STUCK = "My stake is stuck since the upgrade on Chrome, the button does nothing"


@pytest.fixture
async def world(make_github_world: MakeWorld) -> GithubWorld:
    return await make_github_world()


async def reported_and_linked(world: GithubWorld) -> None:
    """Erin reports in court (ticket #1); Alice takes it and attaches PR #12, which GitHub has open."""
    world.fake.add_pull(REPO, 12, title="Fix the stake button")
    await world.say("/as Erin", "/in court", STUCK, "/as Alice", "/in team", "/take 1", f"/pr 1 {PR_URL}")
    assert await world.run_calls() == 1


async def test_pr_of_a_configured_repo_is_fetched_and_the_card_says_how_it_stands(world: GithubWorld) -> None:
    await reported_and_linked(world)

    ticket = await world.ticket(1)
    assert ticket.status is Status.IN_PROGRESS and ticket.sub_state == "pr_review"
    shown = "\n".join(await world.say("/ticket 1"))
    assert f"PR #12 (open, in review): {PR_URL}" in shown
    assert "⭕️ Ticket #1 in progress · PR in review" in shown
    [moved] = [e for e in await world.history(1) if e.kind == "status"]
    assert (moved.actor, moved.detail) == ("GitHub (dana)", f"in_progress · PR in review: PR {REPO}#12")
    assert f"{PR_URL}</a> · open, in review" in await world.board_page(1)


async def test_a_review_decision_shows_on_the_card_when_fetched_again(world: GithubWorld) -> None:
    await reported_and_linked(world)
    world.fake.review(REPO, 12, "frank", "CHANGES_REQUESTED")
    world.fake.review(REPO, 12, "frank", "APPROVED")
    await world.say("/pr 1 https://github.com/kleros/court/pull/12")  # attached again: fetched again

    await world.run_calls()

    assert "PR #12 (open, approved)" in "\n".join(await world.say("/ticket 1"))


@pytest.mark.parametrize(("link", "refusal"), [
    ("https://github.com/kleros/other/pull/3", "kleros/other is not a repository of any product here (kleros/court)"),
    ("https://github.com/kleros/court/issues/3", texts.PR_ISSUE_LINK),
    ("https://example.org/kleros/court/merge/3", "is not a pull request link"),
])
async def test_pr_refuses_other_links_in_one_line_and_stores_nothing(world: GithubWorld, link: str,
                                                                    refusal: str) -> None:
    await world.say("/as Erin", "/in court", STUCK, "/as Alice", "/in team")

    [answer] = await world.say(f"/pr 1 {link}")

    assert refusal in answer and "\n" not in answer
    ticket = await world.ticket(1)
    assert ticket.pr_links == [] and ticket.github_links == {}
    assert await world.run_calls() == 0 and world.fake.requests == []


async def test_merge_moves_the_ticket_to_fix_provided_naming_the_pr_and_the_merger(world: GithubWorld) -> None:
    await reported_and_linked(world)
    world.fake.merge(REPO, 12, by="erin-dev", sha="a" * 40)
    pull = world.fake.pulls[(REPO, 12)]

    status, _ = await world.deliver("pull_request", pull_event("closed", pull, sender="erin-dev"))

    assert status == 200
    ticket = await world.ticket(1)
    assert ticket.status is Status.FIX_PROVIDED
    [moved] = [e for e in await world.history(1) if e.kind == "status" and e.detail.startswith("fix_provided")]
    assert (moved.actor, moved.detail) == ("GitHub (erin-dev)", f"fix_provided: PR {REPO}#12 merged by erin-dev")
    said = "\n".join(world.printed)
    assert "PR #12 (merged)" in "\n".join(await world.say("/ticket 1"))
    assert texts.button_label_of("confirm_fixed") in said  # the reporter is asked to confirm, as on any 🟡


async def test_still_broken_after_a_merge_tags_the_assignee(world: GithubWorld) -> None:
    await reported_and_linked(world)
    world.fake.merge(REPO, 12)
    await world.deliver("pull_request", pull_event("closed", world.fake.pulls[(REPO, 12)]))
    [asked] = [line for line in world.printed if texts.button_label_of("still_broken") in line]
    question = next(line for line in reversed(world.printed[:world.printed.index(asked)]) if line.startswith("["))
    start = len(world.printed)

    await world.say("/as Erin", "/in court", f"/click {question.split('#', 1)[1].split()[0]} still_broken")

    assert (await world.ticket(1)).status is Status.IN_PROGRESS
    assert any(line.startswith("[team]") and "@Alice" in line for line in world.printed[start:]), world.printed[start:]


async def test_closed_unmerged_brings_it_back_to_in_progress_and_tells_the_assignee(world: GithubWorld) -> None:
    await reported_and_linked(world)
    world.fake.close(REPO, 12)
    start = len(world.printed)

    await world.deliver("pull_request", pull_event("closed", world.fake.pulls[(REPO, 12)]))

    ticket = await world.ticket(1)
    assert ticket.status is Status.IN_PROGRESS and ticket.sub_state is None
    told = [line for line in world.printed[start:] if "closed without merging" in line]
    assert any(line.startswith("[team]") and "@Alice" in line for line in told), world.printed[start:]


async def test_a_replayed_delivery_changes_nothing(world: GithubWorld) -> None:
    await reported_and_linked(world)
    world.fake.merge(REPO, 12)
    payload = pull_event("closed", world.fake.pulls[(REPO, 12)])
    await world.deliver("pull_request", payload, delivery="d-1")
    await world.say("/status 1 in_progress")  # the team moves it back by hand
    before = await world.history(1)

    status, _ = await world.deliver("pull_request", payload, delivery="d-1")

    assert status == 200
    assert (await world.ticket(1)).status is Status.IN_PROGRESS
    assert await world.history(1) == before


@pytest.mark.parametrize("secret", [None, "not-the-secret"])
async def test_an_unsigned_or_mis_signed_delivery_is_refused_and_changes_nothing(
        world: GithubWorld, secret: str | None, caplog: pytest.LogCaptureFixture) -> None:
    await reported_and_linked(world)
    world.fake.merge(REPO, 12)
    before = await world.history(1)

    status, _ = await world.deliver("pull_request", pull_event("closed", world.fake.pulls[(REPO, 12)]),
                                    secret=secret)

    assert status == 401
    assert (await world.ticket(1)).status is Status.IN_PROGRESS
    assert await world.history(1) == before
    assert any("GitHub webhook" in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)


async def test_a_delivery_from_an_unconfigured_repo_changes_nothing(world: GithubWorld) -> None:
    await reported_and_linked(world)
    world.fake.merge(REPO, 12)

    status, answer = await world.deliver(
        "pull_request", pull_event("closed", world.fake.pulls[(REPO, 12)], repo="kleros/other"))

    assert status == 200 and "not configured" in answer["ok"]
    assert (await world.ticket(1)).status is Status.IN_PROGRESS


async def test_a_pr_naming_the_ticket_links_itself_and_moves_it(world: GithubWorld) -> None:
    await world.say("/as Erin", "/in court", STUCK)
    pull = world.fake.add_pull(REPO, 30, title="Stake button", body="Fixes support#1 on Chrome")

    await world.deliver("pull_request", pull_event("opened", pull))

    ticket = await world.ticket(1)
    assert ticket.pr_links == [f"https://github.com/{REPO}/pull/30"]
    assert ticket.status is Status.IN_PROGRESS and ticket.sub_state == "pr_review"


async def test_an_outsiders_pr_naming_the_ticket_changes_nothing(world: GithubWorld) -> None:
    await world.say("/as Erin", "/in court", STUCK)
    pull = world.fake.add_pull(REPO, 32, body="Fixes support#1", author="mallory", association="NONE")

    await world.deliver("pull_request", pull_event("opened", pull, sender="mallory"))
    await world.run_calls()

    ticket = await world.ticket(1)
    assert (ticket.status, ticket.pr_links) == (Status.RECEIVED, [])
    assert world.fake.requests == []  # not even fetched


async def test_a_commit_message_naming_the_ticket_links_its_pr(world: GithubWorld) -> None:
    await world.say("/as Erin", "/in court", STUCK)
    pull = world.fake.add_pull(REPO, 33, title="Stake button", commits=("Refactor", "Fixes support#1"))

    status, answer = await world.deliver("pull_request", pull_event("opened", pull))
    await world.run_calls()

    assert status == 200 and "commits are fetched" in answer["ok"]
    ticket = await world.ticket(1)
    assert ticket.pr_links == [f"https://github.com/{REPO}/pull/33"]
    assert ticket.status is Status.IN_PROGRESS and ticket.sub_state == "pr_review"


async def test_from_received_to_resolved_by_github_events_alone(world: GithubWorld) -> None:
    await world.say("/as Erin", "/in court", STUCK)
    pull = world.fake.add_pull(REPO, 31, body="supportbot #1")
    await world.deliver("pull_request", pull_event("opened", pull))
    assert (await world.ticket(1)).status is Status.IN_PROGRESS
    world.fake.merge(REPO, 31, sha="c" * 40)
    await world.deliver("pull_request", pull_event("closed", world.fake.pulls[(REPO, 31)]))
    assert (await world.ticket(1)).status is Status.FIX_PROVIDED
    world.fake.contains.add((REPO, "v2.1.0", "c" * 40))
    start = len(world.printed)

    await world.deliver("release", {"action": "published", "release": {"tag_name": "v2.1.0", "name": "v2.1.0"},
                                    "repository": {"full_name": REPO}, "sender": {"login": "erin-dev"}})
    await world.run_calls()

    [suggestion] = [line for line in world.printed[start:] if "release v2.1.0" in line]
    assert suggestion.startswith("[team] #") and "@Carol" in suggestion  # no assignee: the product's owner
    assert f"[{texts.BUTTON_LABELS['resolved']}]" in world.printed[start:][-1]
    assert (await world.ticket(1)).status is Status.FIX_PROVIDED  # suggested, never resolved by itself
    message = suggestion.split("#", 1)[1].split()[0]
    await world.say("/as Carol", "/in team", f"/click {message} resolved")
    ticket = await world.ticket(1)
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, Resolution.FIXED)


async def test_ping_is_answered_and_a_delivery_without_its_id_is_refused(world: GithubWorld) -> None:
    assert (await world.deliver("ping", {"zen": "Keep it logically awesome."}))[0] == 200
    body = b'{"action": "opened"}'

    response = await world.client.post("/github/webhook", data=body, headers={
        "X-GitHub-Event": "pull_request", "X-Hub-Signature-256": signature(SECRET, body)})
    assert response.status == 400


async def test_without_a_webhook_secret_there_is_no_webhook(make_github_world: MakeWorld) -> None:
    polled = await make_github_world(webhook=False)

    status, _ = await polled.deliver("ping", {})

    assert status == 404


async def test_a_successful_deployment_of_the_merge_commit_suggests_resolving_to_the_assignee(
        world: GithubWorld) -> None:
    await reported_and_linked(world)
    world.fake.merge(REPO, 12, sha="d" * 40)
    await world.deliver("pull_request", pull_event("closed", world.fake.pulls[(REPO, 12)]))
    deployment = {"repository": {"full_name": REPO}, "sender": {"login": "ci"},
                  "deployment": {"sha": "d" * 40, "environment": "production"}}

    await world.deliver("deployment_status", {**deployment, "deployment_status": {"state": "failure"}})
    await world.run_calls()
    assert not any("deployment" in line for line in world.printed)
    await world.deliver("deployment_status", {**deployment, "deployment_status": {"state": "success"}})
    await world.run_calls()

    [told] = [line for line in world.printed if "the production deployment" in line]
    assert told.startswith("[team]") and "@Alice" in told
    assert (await world.ticket(1)).status is Status.FIX_PROVIDED
