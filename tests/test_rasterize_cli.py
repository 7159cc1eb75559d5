"""python -m raster.rasterize: PNGs named <glyph_id>_<label>.png, identical to the renderer."""

import json

import numpy as np
import pytest
from PIL import Image

from raster.data.render import RasterConfig, render_contours
from raster.data.schema import connect
from raster.rasterize import main


def square(w, h):
    return json.dumps(
        [
            [
                ["moveTo", [0, 0]],
                ["lineTo", [0, h]],
                ["lineTo", [w, h]],
                ["lineTo", [w, 0]],
                ["closePath", None],
            ]
        ]
    )


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "g.db"
    conn = connect(path, create=True)
    conn.execute("INSERT INTO fonts(file_hash, upem) VALUES ('f', 1000)")
    for gid in range(1, 9):
        conn.execute(
            "INSERT INTO glyphs(glyph_id, f_id, label, contours, joining_group, char_class)"
            " VALUES (?, 'f', ?, ?, 'NO_JOIN', 'x')",
            (gid, f"{1575 + gid}_isol", square(100 * gid, 700)),
        )
    conn.execute(
        "INSERT INTO glyphs(glyph_id, f_id, label, contours, joining_group, char_class)"
        " VALUES (99, 'f', '1600_isol', 'broken', 'NO_JOIN', 'x')"
    )
    conn.commit()
    conn.close()
    return path


def _rasterize(db, out, *flags: str) -> int:
    """``python -m raster.rasterize --db DB --out-dir OUT FLAGS``; its exit code."""
    return main(["--db", str(db), "--out-dir", str(out), *flags])


def test_writes_pngs_equal_to_renderer(db, tmp_path):
    out = tmp_path / "png"
    assert _rasterize(db, out, "--glyph-ids", "3", "5", "99", "--img-size", "64") == 0
    assert sorted(p.name for p in out.iterdir()) == ["3_1578_isol.png", "5_1580_isol.png"]
    img = np.asarray(Image.open(out / "3_1578_isol.png"))
    np.testing.assert_array_equal(img, render_contours(square(300, 700), 1000, RasterConfig(64)))


def test_limit_and_inversion(db, tmp_path):
    out = tmp_path / "png"
    assert _rasterize(db, out, "--limit", "4", "--label-regex", "^15", "--black-on-white") == 0
    files = list(out.iterdir())
    assert len(files) == 4
    img = np.asarray(Image.open(files[0]))
    assert img[0, 0] == 255 and img[64, 64] == 0


def test_missing_db_is_a_clear_error(tmp_path, caplog):
    assert _rasterize(tmp_path / "nope.db", tmp_path) == 2
    # one line through raster.cli's logging (stderr outside pytest, which captures the log)
    assert "nope.db" in caplog.text
