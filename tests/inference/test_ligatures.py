"""raster.inference.ligatures: lam-alef ligature glyphs found by shaping real fonts."""

from __future__ import annotations

import json
import logging
import sqlite3

from raster import ingest
from raster.data.bundled import bundled_font_paths
from raster.data.fonts import iter_faces
from raster.data.render import RasterConfig
from raster.inference.ligatures import (
    db_ligatures,
    face_ligatures,
    ligature_label,
    render_ligatures,
)
from raster.pdf.glyph_text import label_text

ALL_EIGHT = {
    f"1604+{alef}_{form}" for alef in (1575, 1570, 1571, 1573) for form in ("isol", "fina")
}


def _font(stem):
    return next(p for p in bundled_font_paths() if p.stem == stem)


def test_labels_name_both_characters():
    assert ligature_label((0x644, 0x627), "fina") == "1604+1575_fina"
    assert label_text("1604+1575_fina") == "\u0644\u0627"


def test_tajawal_draws_all_eight_amiri_none():
    (face,) = iter_faces(_font("Tajawal-Regular"))
    found = face_ligatures(face)
    assert {label for label, _ in found} == ALL_EIGHT
    assert all(json.loads(c) for _, c in found)  # an outline each
    (face,) = iter_faces(_font("Amiri-Regular"))
    assert face_ligatures(face) == []  # Amiri joins lam and alef as two glyphs


def test_db_ligatures_render_and_skip_missing_files(tmp_path, caplog):
    db = tmp_path / "g.db"
    paths = [_font("Tajawal-Regular"), _font("Amiri-Regular")]
    assert ingest.main([*map(str, paths), "--db", str(db), "--no-progress"]) == 0
    with sqlite3.connect(db) as conn:
        hashes = {h for (h,) in conn.execute("SELECT file_hash FROM fonts")}
    rows = db_ligatures(db, hashes)
    assert {r["label"] for r in rows} == ALL_EIGHT and {r["upem"] for r in rows} == {1000}
    images = render_ligatures(rows, RasterConfig(img_size=32))
    assert images.shape == (8, 32, 32) and images.dtype.name == "uint8"
    assert all(im.max() == 255 for im in images)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE fonts SET path = 'gone/Tajawal.ttf'")
    with caplog.at_level(logging.WARNING):
        assert db_ligatures(db, hashes) == []
    assert "gone/Tajawal.ttf" in caplog.text
