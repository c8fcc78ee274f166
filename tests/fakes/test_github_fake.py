"""The REST client against the local fake GitHub: answers as GitHub gives them (ETag 304s, rate-limit headers,
Retry-After, 5xx, 404, a slow answer) become what the desk acts on (unchanged, try later, give up)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from supportbot.domain.github_links import GithubRef, PullState, Review
from supportbot.github_link.rest_client import GithubOptions, RestClient
from supportbot.services.github_ports import GithubRefused, GithubUnavailable
from tests.fakes.github_api import FakeGithub, serving

REPO = "kleros/court"
TOKEN = "github_pat_fake0123456789"


@pytest.fixture
def fake() -> FakeGithub:
    return FakeGithub(token=TOKEN)


@pytest.fixture
async def client(fake: FakeGithub) -> AsyncIterator[RestClient]:
    async with serving(fake) as base:
        client = RestClient(GithubOptions(base, TOKEN, timeout=0.5), wall=lambda: 1_900_000_000.0)
        yield client
        await client.close()


async def test_a_pull_request_with_its_review_and_an_unchanged_one_by_etag(fake: FakeGithub,
                                                                           client: RestClient) -> None:
    fake.add_pull(REPO, 12, title="Fix staking")
    fake.review(REPO, 12, "frank", "APPROVED")

    first = await client.pull(GithubRef(REPO, 12))
    spent = fake.remaining
    again = await client.pull(GithubRef(REPO, 12), etag=first.etag)

    assert first.value is not None and (first.value.title, first.value.state) == ("Fix staking", PullState.OPEN)
    assert first.value.review is Review.APPROVED and first.value.words() == "open, approved"
    assert again.value is None and again.etag == first.etag
    assert fake.remaining == spent and client.state() == "ok"


async def test_a_merged_pull_request(fake: FakeGithub, client: RestClient) -> None:
    fake.add_pull(REPO, 12)
    fake.merge(REPO, 12, by="erin", sha="b" * 40)

    pull = (await client.pull(GithubRef(REPO, 12))).value

    assert pull is not None
    assert (pull.state, pull.merged_by, pull.merge_commit_sha) == (PullState.MERGED, "erin", "b" * 40)


async def test_a_spent_rate_limit_waits_for_its_reset_without_asking_again(fake: FakeGithub,
                                                                           client: RestClient) -> None:
    fake.add_pull(REPO, 12)
    fake.remaining, fake.reset_at = 0, 1_900_000_600

    for _ in range(2):
        with pytest.raises(GithubUnavailable) as waited:
            await client.pull(GithubRef(REPO, 12))
        assert waited.value.retry_after == 600

    assert len(fake.requests) == 1 and client.state() == "rate_limited"


async def test_a_secondary_limit_says_retry_after(fake: FakeGithub, client: RestClient) -> None:
    fake.secondary_retry_after = 90

    with pytest.raises(GithubUnavailable) as waited:
        await client.issue(GithubRef(REPO, 3))

    assert waited.value.retry_after == 90


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_is_try_later(fake: FakeGithub, client: RestClient, status: int) -> None:
    fake.fail_with = status

    with pytest.raises(GithubUnavailable):
        await client.open_issue(REPO, title="t", body="b")

    assert client.state() == "unreachable"


async def test_not_found_and_bad_credentials_are_given_up(fake: FakeGithub, client: RestClient) -> None:
    with pytest.raises(GithubRefused, match="404"):
        await client.pull(GithubRef(REPO, 99))
    fake.token = "another"
    with pytest.raises(GithubRefused, match="401"):
        await client.issue(GithubRef(REPO, 1))


async def test_a_slow_github_is_given_up_after_the_timeout(fake: FakeGithub, client: RestClient) -> None:
    fake.hang = asyncio.Event()

    with pytest.raises(GithubUnavailable):
        await client.pull(GithubRef(REPO, 12))

    fake.hang.set()
    assert client.state() == "unreachable"


async def test_contains_asks_the_comparison(fake: FakeGithub, client: RestClient) -> None:
    fake.contains.add((REPO, "v2.1.0", "c" * 40))

    assert await client.contains(REPO, commit="c" * 40, head="v2.1.0")
    assert not await client.contains(REPO, commit="d" * 40, head="v2.1.0")
