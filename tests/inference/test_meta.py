"""The embedding meta JSONL: what write_meta writes, load_meta reads back; bad lines are named."""

import pytest

from raster.inference.meta import load_meta, write_meta


def test_round_trip_keeps_non_ascii_labels(tmp_path):
    rows = [
        {"glyph_id": 1, "f_id": "a", "label": "1593_init"},
        {"glyph_id": 2, "f_id": "b", "label": "\u0639"},
    ]
    path = write_meta(tmp_path / "m.jsonl", rows)
    assert "\u0639" in path.read_text()
    assert load_meta(path) == rows


def test_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"glyph_id": 1, "label": "x"}\n\n{"glyph_id": 2}\n')
    with pytest.raises(ValueError, match="m.jsonl:3"):
        load_meta(path)
