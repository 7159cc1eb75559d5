"""Family hold-out copies: the family's fonts and glyphs are gone, the rest is untouched."""

import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from glyphdb import make_db  # noqa: E402

from raster.data.holdout import HoldoutError, copy_without_family  # noqa: E402


def _count(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_copy_drops_exactly_the_family(tmp_path):
    src = make_db(tmp_path / "g.db", n_labels=4, per_label=6, n_fonts=3)
    before = _count(src, "SELECT COUNT(*) FROM glyphs")
    in_family = _count(src, "SELECT COUNT(*) FROM glyphs WHERE f_id = 'font1'")
    held = copy_without_family(src, tmp_path / "out" / "t.db", "Family 1")
    assert [h["file_hash"] for h in held] == ["font1"]
    dst = tmp_path / "out" / "t.db"
    assert _count(dst, "SELECT COUNT(*) FROM glyphs") == before - in_family
    assert _count(dst, "SELECT COUNT(*) FROM glyphs WHERE f_id = 'font1'") == 0
    assert _count(dst, "SELECT COUNT(*) FROM fonts") == 2
    assert _count(src, "SELECT COUNT(*) FROM glyphs") == before  # the source is untouched
    assert not (tmp_path / "out" / "t.db.tmp").exists()


def test_unknown_family_names_the_families(tmp_path):
    src = make_db(tmp_path / "g.db", n_labels=2, per_label=2, n_fonts=2)
    with pytest.raises(HoldoutError, match="Family 0, Family 1"):
        copy_without_family(src, tmp_path / "t.db", "Nope")
