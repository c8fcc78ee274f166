"""A long digest goes out in parts of whole lines, each within the smallest platform's limit."""

from __future__ import annotations

from supportbot.services.digest import PART_LENGTH, text_parts


def test_a_short_text_is_one_part_with_its_blank_lines_kept() -> None:
    assert text_parts("head\n\nline") == ["head\n\nline"]


def test_parts_break_between_lines_and_keep_every_line_in_order() -> None:
    lines = [f"#{n:02d} " + "x" * 96 for n in range(60)]  # 100 characters each: 6,059 in all

    parts = text_parts("\n".join(lines))

    assert all(len(part) <= PART_LENGTH for part in parts) and len(parts) == 4
    assert "\n".join(parts).split("\n") == lines
    assert [len(part.split("\n")) for part in parts] == [18, 18, 18, 6]  # 18 × 101 - 1 = 1,817


def test_a_line_longer_than_a_part_is_cut_short() -> None:
    assert text_parts("a\n" + "y" * 5000, limit=100) == ["a", "y" * 100]
