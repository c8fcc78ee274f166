"""The GitHub link-up's pure rules: which links are pull requests, the ticket references a PR's text carries,
the review state, and the [github] config section."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.config import ConfigError, load_settings
from supportbot.domain.github_links import GithubRef, LinkKind, Review, parse_link, review_state, ticket_references

GITHUB_FILE = '[github]\n\n[[products]]\nkey = "court"\nname = "Court v2"\ngithub_repos = ["kleros/court"]\n'


@pytest.mark.parametrize(("url", "ref"), [
    ("https://github.com/kleros/court/pull/12", GithubRef("kleros/court", 12)),
    ("https://github.com/kleros/court/pull/12/files", GithubRef("kleros/court", 12)),
    ("https://ghe.example.org/kleros/court/pull/7#discussion", GithubRef("kleros/court", 7)),
    ("https://github.com/kleros/court/issues/3", GithubRef("kleros/court", 3, LinkKind.ISSUE)),
    ("https://github.com/kleros/court", None),
    ("https://gitlab.com/kleros/court/-/merge_requests/3", None),
    ("ftp://github.com/kleros/court/pull/12", None),
])
def test_links(url: str, ref: GithubRef | None) -> None:
    assert parse_link(url) == ref


def test_ticket_references_in_a_prs_text() -> None:
    assert ticket_references("Fixes support#12", "supportbot #12 and SUPPORTBOT#7; support #3") == [12, 7, 3]
    assert ticket_references("fixes #12, supportbot 12, support#0", None) == []


def test_review_state_takes_each_reviewers_latest_decision() -> None:
    assert review_state([]) is Review.IN_REVIEW
    assert review_state([("a", "COMMENTED")]) is Review.IN_REVIEW
    assert review_state([("a", "CHANGES_REQUESTED"), ("a", "APPROVED")]) is Review.APPROVED
    assert review_state([("a", "APPROVED"), ("b", "CHANGES_REQUESTED")]) is Review.CHANGES_REQUESTED


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_section_turns_the_link_up_on_and_the_variables_fill_it(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GITHUB_FILE),
                             env={"GITHUB_TOKEN": "github_pat_real0123", "GITHUB_WEBHOOK_SECRET": "s3cr3t-hook-value"})

    assert settings.github is not None and settings.github.token is not None
    assert settings.github.token.get_secret_value() == "github_pat_real0123"
    assert settings.github.poll_interval.as_timedelta().total_seconds() == 300
    assert settings.products[0].github_repos == ["kleros/court"]


def test_github_token_in_the_environment_alone_turns_nothing_on(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[web]\nenabled = false\n'), env={"GITHUB_TOKEN": "github_pat_real0123"})

    assert settings.github is None


@pytest.mark.parametrize(("text", "env", "message"), [
    (GITHUB_FILE, {"GITHUB_TOKEN": "changeme"}, "github.token (from GITHUB_TOKEN): looks like a placeholder"),
    (GITHUB_FILE, {"GITHUB_WEBHOOK_SECRET": "<secret>"}, "github.webhook_secret (from GITHUB_WEBHOOK_SECRET)"),
    (GITHUB_FILE.replace("[github]", '[github]\napi_base_url = "api.github.com"'), {}, "github.api_base_url"),
    (GITHUB_FILE.replace("kleros/court", "court"), {}, "products[0] (court).github_repos: 'court' is not a GitHub repository"),
])
def test_mistakes_are_refused_naming_the_key(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(write(tmp_path, text), env=env)

    assert message in str(refused.value)
