"""Input that would break storage is made safe before it reaches the desk."""

from supportbot.domain.sanitize import REPLACEMENT, clean_optional, clean_text, storable_id


def test_nul_bytes_are_removed_and_the_rest_kept():
    assert clean_text("stake\x00 fails\x00") == "stake fails"


def test_lone_surrogates_are_replaced_and_real_characters_kept():
    assert clean_text("broken \ud800 here \udfff") == f"broken {REPLACEMENT} here {REPLACEMENT}"
    assert clean_text("emoji 😀 and accents é") == "emoji 😀 and accents é"
    clean_text("x\ud83dy").encode("utf-8")  # now storable


def test_absent_text_stays_absent():
    assert clean_optional(None) is None and clean_optional("a\x00b") == "ab"


def test_ids_outside_64_bit_signed_are_absent():
    assert storable_id(2**64) is None and storable_id(2**63) is None and storable_id(-(2**63) - 1) is None
    assert storable_id(2**63 - 1) == 2**63 - 1 and storable_id(-100101) == -100101
    assert storable_id(None) is None and storable_id("12") is None and storable_id(True) is None
