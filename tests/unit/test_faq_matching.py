"""The FAQ's two matchers: which entry a report suggests, and whether a reply says the suggestion solved it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportbot.config import load_settings
from supportbot.config_playbook import faq_entries
from supportbot.domain.faq import FaqEntry, says_solved, suggestion

STAKE = FaqEntry("stake", "Unstake first, wait one epoch, then stake again.", "Staking errors",
                 ("stake", "staking", "unstake"))
GAS = FaqEntry("gas", "Raise the gas limit by 20% and retry.", "", ("out of gas", "gas limit"))
ENTRIES = (STAKE, GAS)


# --- suggestions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, key", [
    ("Staking fails with execution reverted", "stake"),
    ("I click STAKE and nothing happens", "stake"),
    ("My transaction ran out of gas twice", "gas"),
    ("out  of\ngas when voting", "gas"),  # a phrase's words may be split by any space
    ("Unstake then stake again: out of gas", "stake"),  # two of stake's keywords beat one of gas's
])
def test_a_report_suggests_the_entry_whose_keywords_it_says(text: str, key: str) -> None:
    entry = suggestion(ENTRIES, text)

    assert entry is not None and entry.key == key


@pytest.mark.parametrize("text", [
    "It was a mistake to click twice",  # "stake" inside a word
    "The stakeholders page is blank",
    "gas fees are high",  # "gas" alone is not a keyword
    "",
])
def test_a_keyword_counts_only_as_whole_words(text: str) -> None:
    assert suggestion(ENTRIES, text) is None


def test_entries_without_keywords_are_never_suggested() -> None:
    assert suggestion([FaqEntry("gas", "Raise the gas limit.")], "gas limit too low") is None


@given(st.text())
def test_any_text_suggests_an_entry_or_none_without_failing(text: str) -> None:
    assert suggestion(ENTRIES, text) in (None, STAKE, GAS)


@given(st.sampled_from(["stake", "staking", "unstake"]), st.text(alphabet="abc xyz.,!\n", max_size=30),
       st.text(alphabet="abc xyz.,!\n", max_size=30))
def test_a_keyword_between_spaces_is_found_in_any_case(keyword: str, before: str, after: str) -> None:
    assert suggestion([STAKE], f"{before} {keyword.upper()} {after}") == STAKE


def test_the_title_defaults_to_the_key_in_words() -> None:
    assert GAS.heading == "Gas" and FaqEntry("wallet_connect", "…").heading == "Wallet connect"
    assert STAKE.heading == "Staking errors"


# --- "that worked" -------------------------------------------------------------------------------------

SOLVED = ["solved", "Solved!", "that worked", "That worked, thanks!", "it works now", "Fixed, thanks",
          "fixed thank you so much 🙏", "yes it's solved", "It’s working now", "thanks, that did it",
          "the problem is solved", "works now", "Resolved, cheers"]
NOT_SOLVED = ["not solved", "Not solved yet", "still broken", "it's not fixed", "didn't work", "doesn't work",
              "no", "thanks", "ok", "is it fixed?", "fixed?", "is the problem solved", "has it been fixed",
              "solved it by reinstalling but now staking fails", "it worked yesterday", "never solved",
              "I thought it was fixed but it still fails", "solved? no", "unsolved", "that worked for 5 minutes",
              "не solved", "fixed the typo in my address, still broken", ""]


@pytest.mark.parametrize("text", SOLVED)
def test_a_plain_confirmation_says_solved(text: str) -> None:
    assert says_solved(text)


@pytest.mark.parametrize("text", NOT_SOLVED)
def test_anything_that_negates_asks_or_says_more_does_not(text: str) -> None:
    assert not says_solved(text)


@given(st.sampled_from(SOLVED), st.sampled_from(["not", "still", "no", "but", "never", "didn't", "isn't"]),
       st.booleans())
def test_a_negation_anywhere_undoes_a_confirmation(text: str, negation: str, before: bool) -> None:
    assert not says_solved(f"{negation} {text}" if before else f"{text} {negation}")


@given(st.sampled_from(SOLVED))
def test_a_question_is_never_a_confirmation(text: str) -> None:
    assert not says_solved(text + "?")


@given(st.sampled_from(SOLVED), st.sampled_from([str.upper, str.lower, str.title]))
def test_confirmations_are_read_in_any_case(text: str, case) -> None:
    assert says_solved(case(text))


@given(st.text())
def test_any_text_is_read_without_failing(text: str) -> None:
    assert says_solved(text) in (True, False)


# --- config's two forms ------------------------------------------------------------------------------


def test_the_faq_config_takes_both_forms(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[faq]\nGas = "Raise the gas limit."\n'
        '[faq.stake]\nanswer = "Unstake first."\ntitle = "Staking errors"\nkeywords = ["stake", "staking", " "]\n',
        encoding="utf-8")

    entries = faq_entries(load_settings(path, env={}).faq)

    assert entries == {"gas": FaqEntry("gas", "Raise the gas limit."),
                       "stake": FaqEntry("stake", "Unstake first.", "Staking errors", ("stake", "staking"))}
