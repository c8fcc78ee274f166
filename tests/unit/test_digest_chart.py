"""The digest's chart is a real PNG of the promised size, drawn from the week's series alone."""

from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta

from supportbot.services.digest_chart import DPI, HEIGHT_INCHES, WIDTH_INCHES, DaySeries, chart_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEEK = tuple(date(2026, 11, 30) + timedelta(days=n) for n in range(7))


def png_header(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and the chunk's CRC."""
    assert png[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    body = png[16:16 + length]
    (crc,) = struct.unpack(">I", png[16 + length:20 + length])
    assert zlib.crc32(kind + body) == crc
    width, height = struct.unpack(">II", body[:8])
    return width, height


def test_the_chart_is_a_png_of_800_by_450_pixels() -> None:
    series = DaySeries(WEEK, opened=(2, 0, 1, 0, 1, 0, 1), resolved=(1, 0, 1, 0, 0, 0, 0), backlog=(2, 2, 2, 2, 3, 3, 4))

    png = chart_png(series, title="Opened and resolved per day")

    assert png_header(png) == (int(WIDTH_INCHES * DPI), int(HEIGHT_INCHES * DPI)) == (800, 450)
    assert png.endswith(b"IEND\xaeB`\x82")  # the closing chunk: the file is whole


def test_an_empty_week_and_a_single_day_still_draw() -> None:
    quiet = chart_png(DaySeries(WEEK, (0,) * 7, (0,) * 7, (0,) * 7), title="quiet")
    one_day = chart_png(DaySeries(WEEK[:1], (3,), (1,), (5,)), title="Monday so far")

    assert png_header(quiet) == png_header(one_day) == (800, 450)
    assert quiet != one_day
