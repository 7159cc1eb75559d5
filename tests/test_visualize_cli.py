"""python -m raster.visualize: a labelled grid PNG of the requested size."""

import json

import numpy as np
from PIL import Image

from raster.data.schema import connect
from raster.reporting.labels import describe
from raster.visualize import main


def test_grid_png(tmp_path):
    db = tmp_path / "g.db"
    conn = connect(db, create=True)
    conn.execute("INSERT INTO fonts(file_hash, upem, family) VALUES ('f', 1000, 'Test Sans')")
    for gid in range(1, 7):
        s = 100 * gid
        text = json.dumps(
            [[["moveTo", [0, 0]], ["lineTo", [0, s]], ["lineTo", [s, s]], ["closePath", None]]]
        )
        conn.execute(
            "INSERT INTO glyphs(glyph_id, f_id, label, contours, joining_group, char_class, form)"
            " VALUES (?, 'f', ?, ?, 'NO_JOIN', 'x', 'init')",
            (gid, f"{1574 + gid}_init", text),
        )
    conn.commit()
    conn.close()
    out = tmp_path / "grid.png"
    assert main(["--db", str(db), "--rows", "2", "--cols", "4", "--out", str(out)]) == 0
    img = np.asarray(Image.open(out).convert("L"))
    assert img.shape[0] > 200 and img.shape[1] > 400
    assert (img < 50).mean() > 0.01  # glyphs drawn in black on white


def test_describe():
    head, detail = describe("1593_init", "init", "Amiri")
    assert head == "\u0639  U+0639" and detail == "1593_init\nAmiri"
    head, _ = describe("1614_isol", None, None)  # a combining mark gets a tatweel base
    assert head.startswith("\u0640\u064e")
