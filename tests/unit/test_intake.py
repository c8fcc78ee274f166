"""Intake: chatter, secrets, security wording and the report checklist."""

from __future__ import annotations

import pytest

from supportbot.domain import secret_detection
from supportbot.domain.intake import (
    ACCOUNT,
    DEVICE,
    SCREENSHOTS,
    STEPS,
    WHERE,
    classify,
    extract_report,
    is_chatter,
    looks_like_security,
    title_from,
)
from supportbot.domain.secret_detection import REDACTED, SecretKind, find_secrets, redact

# The BIP-39 reference test vectors (trezor/python-mnemonic vectors.json).
SEED_12 = "legal winner thank year wave sausage worth useful legal winner thank yellow"
SEED_24 = (
    "void come effort suffer camp survey warrior heavy shoot primary clutch crush "
    "open amazing screen patrol group space point ten exist slush involve unfold"
)
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"
TX_HASH = "0x" + "ab" * 32


def test_word_list_is_the_official_one() -> None:
    words = secret_detection.bip39_words()
    assert len(words) == 2048
    assert {"abandon", "ability", "zoo", "legal", "winner"} <= words


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "thanks", "Thanks!", "thank you!", "THANK YOU 🙏", "ty", "tysm", "gm", "GM ☀️",
        "gn", "hi", "Hello", "hey everyone", "ok", "okay", "Ok, thanks!", "lol", "👍", "👍👍🔥",
        "+1", "...", "?!", "thanks a lot guys", "thankssss", "got it, thanks",
    ],
)  # fmt: skip
def test_chatter_opens_nothing(text: str) -> None:
    assert is_chatter(text)
    assert classify(text).chatter


@pytest.mark.parametrize(
    "text",
    [
        "the court page shows an error when I stake",
        "it's broken",
        "help",
        "hi, my withdrawal is stuck",
        "thanks but it still fails",
        "ok so what about my deposit",
        "1",
        "gm, the app is down",
        "thank you thank you thank you thank you so much",
    ],
)
def test_reports_are_not_chatter(text: str) -> None:
    assert not is_chatter(text)
    assert not classify(text).chatter


def test_an_attachment_is_never_chatter() -> None:
    assert not classify("", has_attachment=True).chatter


@pytest.mark.parametrize(
    "phrase",
    [
        SEED_12,
        SEED_24,
        SEED_12.upper(),
        ", ".join(SEED_12.split()),
        " ".join(f"{i}. {w}" for i, w in enumerate(SEED_12.split(), 1)),
        "\n".join(f"{i}) {w}" for i, w in enumerate(SEED_24.split(), 1)),
    ],
)
def test_seed_phrases_are_flagged_and_redacted(phrase: str) -> None:
    text = f"My wallet is empty, my words are:\n{phrase}\nis it gone?"
    assert find_secrets(text) == [SecretKind.SEED_PHRASE]
    cleaned = redact(text)
    assert REDACTED in cleaned
    assert "sausage" not in cleaned and "slush" not in cleaned
    assert cleaned.startswith("My wallet is empty") and cleaned.endswith("is it gone?")


def test_list_words_next_to_a_phrase_are_redacted_with_it() -> None:
    # Which 12 of 14 list words are the phrase is unknowable; the safe side hides them all.
    assert redact(f"{SEED_12} please help") == REDACTED


def test_eleven_list_words_are_not_a_seed_phrase() -> None:
    eleven = " ".join(SEED_12.split()[:11])
    assert find_secrets(eleven) == []
    assert redact(eleven) == eleven


def test_ordinary_prose_is_not_a_seed_phrase() -> None:
    text = "When I open the court page it shows an error about my stake, can you check all of it?"
    assert find_secrets(text) == []


@pytest.mark.parametrize("key", [KEY, "0x" + KEY, KEY.upper()])
def test_private_keys_are_flagged_and_redacted(key: str) -> None:
    text = f"here is my key: {key}."
    assert find_secrets(text) == [SecretKind.PRIVATE_KEY]
    assert redact(text) == f"here is my key: {REDACTED}."


def test_a_bare_tx_hash_counts_as_a_key_but_an_explorer_link_does_not() -> None:
    assert find_secrets(f"tx {TX_HASH} failed") == [SecretKind.PRIVATE_KEY]
    assert find_secrets(f"see https://etherscan.io/tx/{TX_HASH}") == []


def test_hex_of_other_lengths_is_not_a_key() -> None:
    assert find_secrets("0x" + "a" * 63) == []
    assert find_secrets("a" * 65) == []


@pytest.mark.parametrize("split", [
    f"{KEY[:32]}\n{KEY[32:]}",  # wrapped by a phone screen
    f"0x{KEY[:32]}\n{KEY[32:]}",
    f"{KEY[:20]} {KEY[20:44]}  {KEY[44:]}",  # copied in groups
])
def test_a_key_split_over_lines_or_groups_is_flagged_and_redacted_whole(split: str) -> None:
    text = f"my key:\n{split}\nis it safe?"
    assert find_secrets(text) == [SecretKind.PRIVATE_KEY]
    assert redact(text) == f"my key:\n{REDACTED}\nis it safe?"


@pytest.mark.parametrize("text", [
    "", "the court page shows an error", f"words:\n{SEED_12}\nand key 0x{KEY}, then {SEED_24} again",
    f"{SEED_12} please help", f"tx {TX_HASH} failed, see https://etherscan.io/tx/{TX_HASH}",
    f"my key:\n{KEY[:32]}\n{KEY[32:]}\nis it safe?",
])
def test_one_scan_answers_what_finding_and_redacting_answer(text: str) -> None:
    scanned = secret_detection.scan(text)
    assert scanned.secrets == tuple(find_secrets(text))
    assert scanned.redacted == redact(text)
    found = classify(text, scanned=scanned)
    assert found == classify(text)
    assert (found.secrets, found.redacted) == (scanned.secrets, scanned.redacted)


def test_hex_groups_that_do_not_add_up_to_a_key_are_not_one() -> None:
    assert find_secrets(f"{ADDRESS} {ADDRESS}") == []  # two addresses, 80 digits
    assert find_secrets(f"{KEY[:32]} and {KEY[32:]}") == []  # words between the halves


@pytest.mark.parametrize("link", [
    f"https://x.io/?k={KEY}",
    f"https://wallet.example/import?key=0x{KEY}&go=1",
    f"https://x.io/#/{KEY}",
    f"https://x.io/keys/{KEY}",
    f"x.io/restore?pk={KEY}",
])
def test_a_key_inside_a_link_is_flagged(link: str) -> None:
    text = f"is this link safe? {link}"
    assert find_secrets(text) == [SecretKind.PRIVATE_KEY]
    assert KEY not in redact(text)


@pytest.mark.parametrize("link", [
    f"https://etherscan.io/tx/{TX_HASH}",
    f"https://gnosisscan.io/tx/{TX_HASH}#eventlog",
    f"https://explorer.example/transactions/{TX_HASH}/internal",
    f"https://dashboard.tenderly.co/tx/mainnet/{TX_HASH}",
    f"etherscan.io/block/{TX_HASH}.",
])
def test_a_tx_hash_in_an_explorer_path_is_not_a_key(link: str) -> None:
    assert find_secrets(f"my stake failed: {link}") == []


def test_an_explorer_link_does_not_hide_a_key_in_its_query() -> None:
    assert find_secrets(f"https://etherscan.io/tx/{TX_HASH}?pk={KEY}") == [SecretKind.PRIVATE_KEY]


def test_an_address_is_no_secret_but_is_the_account() -> None:
    text = f"my account {ADDRESS} cannot withdraw"
    assert find_secrets(text) == []
    assert extract_report(text).account == ADDRESS
    assert not classify(text).security


def test_both_kinds_of_secret_and_a_safe_title() -> None:
    text = f"{SEED_12} and {KEY}"
    found = classify(text)
    assert found.secrets == (SecretKind.SEED_PHRASE, SecretKind.PRIVATE_KEY)
    assert found.security and not found.chatter
    assert found.title == f"{REDACTED} and {REDACTED}"


def test_a_secret_is_never_chatter() -> None:
    assert not classify(KEY).chatter


@pytest.mark.parametrize(
    "text",
    [
        "I found a vulnerability in the escrow contract",
        "there is an exploit that lets anyone withdraw",
        "Possible security issue in the court",
        "reentrancy in Governor.executeSubmissions",
        "someone drained the funds from the pool",
        "my funds were drained overnight",
        "I got hacked",
        "stolen funds after signing a permit",
        "attack vector on the arbitrator",
        "this looks like CVE-2023-1234",
        "my private key leaked on github",
    ],
)
def test_security_wording_is_flagged(text: str) -> None:
    assert looks_like_security(text)
    assert classify(text).security


@pytest.mark.parametrize(
    "text",
    [
        "the site says secure connection failed",
        "my security deposit was not returned",
        "the page does not load",
        "thanks",
    ],
)
def test_ordinary_wording_is_not_security(text: str) -> None:
    assert not looks_like_security(text)


def test_a_bare_complaint_misses_everything() -> None:
    info = extract_report("it's broken")
    assert info.missing() == [WHERE, STEPS, ACCOUNT, SCREENSHOTS, DEVICE]


def test_a_full_report_misses_nothing() -> None:
    text = (
        "On https://court.kleros.io the stake page shows an error when I click Stake.\n"
        f"Account {ADDRESS}, Chrome with MetaMask on Windows. Screenshot attached."
    )
    assert extract_report(text).missing() == []


def test_the_checklist_names_exactly_what_is_missing() -> None:
    info = extract_report("On mainnet the claim button does not work", has_attachment=True)
    assert info.missing() == [ACCOUNT, DEVICE]


def test_steps_from_a_numbered_list() -> None:
    text = "1. open the dapp\n2. pick a case\n3. vote"
    assert extract_report(text).steps


def test_ens_names_and_image_links() -> None:
    info = extract_report("vitalik.eth, see https://i.imgur.com/abc.png on my iphone")
    assert info.account == "vitalik.eth"
    assert info.screenshots and info.device
    assert extract_report("https://app.ens.eth.limo is down").account is None


def test_extra_places_count_as_where() -> None:
    assert not extract_report("curate is down").where
    assert extract_report("Curate is down", places=["curate"]).where


def test_title_is_first_line_cut_at_a_word() -> None:
    assert title_from("\n\n  Stake   fails \nmore text") == "Stake fails"
    assert title_from("") == "(no text)"
    assert title_from(" \n ") == "(no text)"
    long = "word " * 40
    title = title_from(long, limit=22)
    assert title == "word word word word…"
    assert len(title) <= 22
    assert title_from("x" * 100, limit=10) == "x" * 9 + "…"


def test_classification_of_a_report() -> None:
    found = classify("The vote page shows an error\nsteps below")
    assert not found.chatter and not found.security and found.secrets == ()
    assert found.title == "The vote page shows an error"
    assert found.info.where and found.info.steps
