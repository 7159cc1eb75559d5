"""raster.pdf.tounicode: the CMaps we write parse back (pdfminer) to exactly what we meant."""

from __future__ import annotations

import pytest

from raster.pdf.tounicode import build_tounicode, parse_tounicode


def test_two_byte_round_trip_with_ligature_and_astral_text():
    mapping = {1: "\u0628", 2: "\u0644\u0627", 0x1234: "\U0001d400", 0xFFFF: "a"}
    data = build_tounicode(mapping, 2)
    assert b"<0001> <0628>" in data and b"<0002> <06440627>" in data
    assert b"<1234> <D835DC00>" in data  # UTF-16BE surrogate pair
    assert parse_tounicode(data) == mapping


def test_one_byte_codes_and_chunks_of_at_most_100():
    mapping = {c: chr(0x0600 + c) for c in range(256)}
    data = build_tounicode(mapping, 1)
    assert (
        data.count(b"beginbfchar") == 3 and b"100 beginbfchar" in data and b"56 beginbfchar" in data
    )
    assert b"<00> <FF>" in data and b"<41> <0641>" in data
    assert parse_tounicode(data) == mapping


def test_empty_texts_are_left_out_and_bad_width_refused():
    assert parse_tounicode(build_tounicode({1: "", 2: "x"}, 2)) == {2: "x"}
    with pytest.raises(ValueError, match="code_bytes"):
        build_tounicode({1: "x"}, 3)


def test_garbage_parses_to_nothing():
    assert parse_tounicode(b"\x00\xff garbage begincmap") == {}
