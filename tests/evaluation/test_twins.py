"""Twins: pairs the fonts draw with one outline (one glyph, or equal contours) are merged."""

from __future__ import annotations

import sqlite3

from raster.evaluation.twins import font_twins, twin_classes

A, B, C = "[[[0,0,1],[10,0,1],[10,10,1]]]", "[[[0,0,1],[20,0,1],[20,20,1]]]", "[[[5,5,1]]]"


def _db(tmp_path, rows):
    db = tmp_path / "t.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE glyphs (f_id TEXT, gid INTEGER, label TEXT, contours TEXT)")
    conn.executemany("INSERT INTO glyphs VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return db


def test_equal_outlines_under_other_glyph_ids_are_twins(tmp_path):
    rows = []
    for f in ("f1", "f2", "f3", "f4"):
        # alef maksura fina and farsi yeh fina: two glyph ids, one outline, in f1..f3
        rows.append((f, 1, "1609_fina", A))
        rows.append((f, 2, "1740_fina", A if f != "f4" else B))
        # kaf init and keheh init: one glyph in f1 only (1 of 4 fonts: not twins)
        rows.append((f, 3, "1603_init", C))
        rows.append((f, 3 if f == "f1" else 4, "1705_init", C if f == "f1" else B))
    rows.append(("f5", 9, "1609_fina", A))  # a font without the other label does not count
    pairs = font_twins(_db(tmp_path, rows))
    assert pairs == [{"a": "1609_fina", "b": "1740_fina", "same": 3, "both": 4, "share": 0.75}]
    assert twin_classes(pairs) == {"1609_fina": "1609_fina", "1740_fina": "1609_fina"}


def test_min_fonts_and_share(tmp_path):
    rows = [(f, 1, "1633_isol", A) for f in ("f1", "f2")]
    rows += [(f, 2, "1777_isol", A) for f in ("f1", "f2")]
    db = _db(tmp_path, rows)
    assert font_twins(db) == []  # two fonts are fewer than min_fonts
    assert font_twins(db, min_fonts=2)[0]["share"] == 1.0
