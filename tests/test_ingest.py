"""End-to-end ingest: exact rows for tiny fonts, outlines, robustness, a real bundled font."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import fontfactory
import pytest
from fontTools.pens.areaPen import AreaPen
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from raster import ingest
from raster.data import ingest as ingest_lib
from raster.data import parse_pool, schema
from raster.data.glyph_rows import ParsedFont
from raster.data.schema import ANCHOR_QUERY, FONT_METRIC_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def _rows(db, where="1"):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [
            dict(r)
            for r in conn.execute(
                f"SELECT g.*, f.family FROM glyphs g JOIN fonts f ON f.file_hash = g.f_id WHERE {where} ORDER BY g.glyph_id"
            )
        ]
    finally:
        conn.close()


def _count(db, table):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def _run(db, *args):
    return ingest.main(["--db", str(db), "--no-progress", *map(str, args)])


def _letter(cp: int, group: str, names: list[str], forms=("isol", "init", "medi", "fina")):
    """EXPECTED rows of an Arabic letter with its own glyph per form (``names`` in ``forms``
    order)."""
    pairs = zip(forms, names, strict=True)
    return [(f"{cp}_{f}", n, "single", 0, group, "arabic_letter") for f, n in pairs]


# (label, glyph_name, shaping, same_as_isol, joining_group, char_class) per tiny font.
EXPECTED = {
    "Tiny TrueType": [
        ("33_isol", "exclam", "single", 0, "NO_JOIN", "punctuation"),
        ("46_isol", "period", "single", 0, "NO_JOIN", "punctuation"),
        ("65_isol", "A", "single", 0, "NO_JOIN", "latin"),
        ("79_isol", "O", "single", 0, "NO_JOIN", "latin"),
    ],  # hyphen U+002D has no outline: no row
    "Tiny CFF": [
        ("76_isol", "L", "single", 0, "NO_JOIN", "latin"),
        ("79_isol", "O", "single", 0, "NO_JOIN", "latin"),
    ],
    "Tiny Arabic": [
        ("65_isol", "A", "single", 0, "NO_JOIN", "latin"),
        ("1569_isol", "hamza", "single", 0, "NO_JOIN", "arabic_letter"),
        *_letter(1575, "ALEF", ["alef", "alef.fina"], ("isol", "fina")),
        *_letter(1576, "BEH", ["beh", "beh.init", "beh.medi", "beh.fina"]),
        ("1578_isol", "teh", "single", 0, "BEH", "arabic_letter"),
        ("1578_init", "teh", "single", 1, "BEH", "arabic_letter"),
        ("1578_medi", "teh", "single", 1, "BEH", "arabic_letter"),
        ("1578_fina", "teh.fina", "single", 0, "BEH", "arabic_letter"),
        ("1580_isol", "dotbelow+jeem.body", "composed", 0, "HAH", "arabic_letter"),
        ("1580_init", "dotbelow+jeem.body", "composed", 1, "HAH", "arabic_letter"),
        ("1580_medi", "dotbelow+jeem.body", "composed", 1, "HAH", "arabic_letter"),
        ("1580_fina", "dotbelow+jeem.body", "composed", 1, "HAH", "arabic_letter"),
        ("1614_isol", "fatha", "single", 0, "NO_JOIN", "diacritic"),
        ("1633_isol", "one", "single", 0, "NO_JOIN", "arabic_digit"),
    ],
    "Tiny Presentation": [
        *_letter(1575, "ALEF", ["alef.isol", "alef.fina"], ("isol", "fina")),
        *_letter(1576, "BEH", ["beh.isol", "beh.init", "beh.medi", "beh.fina"]),
    ],
}
TINY = ("truetype", "cff", "arabic", "presentation")


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory, tiny_fonts):
    db = tmp_path_factory.mktemp("db") / "glyphs.db"
    assert _run(db, *(tiny_fonts[k] for k in TINY)) == 0
    return db


def test_exact_rows(tiny_db):
    rows = _rows(tiny_db)
    for family, expected in EXPECTED.items():
        got = [
            (
                r["label"],
                r["glyph_name"],
                r["shaping"],
                r["same_as_isol"],
                r["joining_group"],
                r["char_class"],
            )
            for r in rows
            if r["family"] == family
        ]
        assert got == expected, family
    for r in rows:
        cp, form = r["label"].split("_")
        assert (int(cp), form) == (r["codepoint"], r["form"])
        assert (r["gid"] is None) == (r["shaping"] == "composed")


def test_fonts_table(tiny_db, tiny_fonts):
    conn = sqlite3.connect(tiny_db)
    conn.row_factory = sqlite3.Row
    fonts = {r["family"]: dict(r) for r in conn.execute("SELECT * FROM fonts")}
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    conn.close()
    assert sorted(fonts) == sorted(EXPECTED)
    for family, font in fonts.items():
        assert {c: font[c] for c in FONT_METRIC_COLUMNS} == fontfactory.METRICS
        assert font["n_glyphs"] == len(EXPECTED[family])
        assert font["added_at"] and font["style"] == "Regular" and font["instance"] is None
    assert fonts["Tiny CFF"]["path"] == str(tiny_fonts["cff"])
    assert meta["schema_version"] == str(schema.SCHEMA_VERSION)
    assert meta["ingest_version"] == ingest_lib.INGEST_VERSION


def test_contour_json_literal(tiny_db):
    rows = {
        r["label"]: json.loads(r["contours"]) for r in _rows(tiny_db, "f.family = 'Tiny TrueType'")
    }
    square = [
        ["moveTo", [0, 0]],
        ["lineTo", [0, 100]],
        ["lineTo", [100, 100]],
        ["lineTo", [100, 0]],
        ["closePath", None],
    ]
    bar = [
        ["moveTo", [0, 200]],
        ["lineTo", [0, 600]],
        ["lineTo", [100, 600]],
        ["lineTo", [100, 200]],
        ["closePath", None],
    ]
    assert rows["46_isol"] == [square]
    assert rows["33_isol"] == [square, bar]  # composite decomposed, component offset applied
    assert rows["79_isol"][1] == [
        ["qCurveTo", [[200, 200], [400, 200], [400, 500], [200, 500], None]],
        ["closePath", None],
    ]


def _measure(draw):
    bounds, area = BoundsPen(None), AreaPen()
    draw(bounds)
    draw(area)
    return bounds.bounds, area.value


@pytest.mark.parametrize("key", TINY)
def test_stored_contours_reproduce_bounds_and_area(tiny_db, tiny_fonts, key):
    font = TTFont(tiny_fonts[key])
    gs = font.getGlyphSet()
    rows = _rows(tiny_db, f"f.path = '{tiny_fonts[key]}'")
    assert rows
    for r in rows:
        stored = json.loads(r["contours"])
        got = _measure(lambda pen, c=stored: fontfactory.replay_contours(c, pen))
        if r["shaping"] == "single":

            def draw(pen, name=r["glyph_name"]):
                bp = pen
                gs[name].draw(_Decompose(bp, gs))

        else:  # the tiny Arabic JEEM: dot placed at (50, -400) by GPOS (below the body), body at the origin
            assert r["glyph_name"] == "dotbelow+jeem.body"

            def draw(pen):
                gs["dotbelow"].draw(TransformPen(pen, (1, 0, 0, 1, 50, -400)))
                gs["jeem.body"].draw(pen)

        want = _measure(draw)
        assert got[0] == pytest.approx(want[0]), r["label"]
        assert got[1] == pytest.approx(want[1]), r["label"]
        assert got[1] != 0


class _Decompose:
    """Minimal pen wrapper drawing components through the glyph set (BoundsPen/AreaPen do not)."""

    def __init__(self, pen, gs, transform=(1, 0, 0, 1, 0, 0)):
        self.pen, self.gs = (
            TransformPen(pen, transform) if transform != (1, 0, 0, 1, 0, 0) else pen,
            gs,
        )

    def __getattr__(self, name):
        return getattr(self.pen, name)

    def addComponent(self, name, transform):
        self.gs[name].draw(_Decompose(self.pen, self.gs, transform))


def test_idempotent(tmp_path, tiny_fonts, capsys):
    db = tmp_path / "g.db"
    assert _run(db, tiny_fonts["arabic"], tiny_fonts["truetype"]) == 0
    n = _count(db, "glyphs")
    assert n == len(EXPECTED["Tiny Arabic"]) + len(EXPECTED["Tiny TrueType"])
    capsys.readouterr()
    assert _run(db, tiny_fonts["arabic"], tiny_fonts["truetype"]) == 0
    assert _count(db, "glyphs") == n
    out = capsys.readouterr().out
    assert "fonts added: 0" in out and "2 already present" in out


def test_workers_give_the_same_rows(tmp_path, tiny_fonts, tiny_db):
    db = tmp_path / "w.db"
    assert _run(db, "--workers", "2", *(tiny_fonts[k] for k in TINY)) == 0
    key = ("label", "contours", "glyph_name", "shaping", "same_as_isol", "family")
    assert [tuple(r[k] for k in key) for r in _rows(db)] == [
        tuple(r[k] for k in key) for r in _rows(tiny_db)
    ]


def test_corrupt_file_next_to_good_ones(tmp_path, tiny_fonts, capsys):
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"this is not a font")
    db = tmp_path / "g.db"
    assert _run(db, tiny_fonts["cff"], bad, tiny_fonts["truetype"]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "broken.ttf" in line] == [
        f"{bad}: not a readable font (TTLibError: Not a TrueType or OpenType font (bad sfntVersion))"
    ]
    assert _count(db, "fonts") == 2
    assert _run(tmp_path / "s.db", "--strict", tiny_fonts["cff"], bad) == 1  # --strict: any failure
    assert _run(tmp_path / "only_bad.db", bad) == 1  # nothing could be ingested


def test_font_without_cmap_is_skipped(tmp_path, tiny_fonts, capsys):
    db = tmp_path / "g.db"
    assert _run(db, tiny_fonts["no_cmap"]) == 1
    out = capsys.readouterr().out
    assert f"{tiny_fonts['no_cmap']}: no cmap table (no Unicode mapping)" in out
    assert not db.exists()  # nothing ingested: no empty database left behind


def test_ranges_and_skip_composed(tmp_path, tiny_fonts):
    db = tmp_path / "r.db"
    assert _run(db, "--ranges", "0041,0627-062C", "--skip-composed", tiny_fonts["arabic"]) == 0
    labels = [r["label"] for r in _rows(db)]
    assert labels == [
        "65_isol",
        "1575_isol",
        "1575_fina",
        "1576_isol",
        "1576_init",
        "1576_medi",
        "1576_fina",
        "1578_isol",
        "1578_init",
        "1578_medi",
        "1578_fina",
    ]


def test_named_instances(tmp_path, tiny_fonts):
    db = tmp_path / "v.db"
    assert _run(db, "--instances", "named", tiny_fonts["variable"]) == 0
    rows = _rows(db)
    assert [r["label"] for r in rows] == ["46_isol", "46_isol"]
    conn = sqlite3.connect(db)
    instances = conn.execute("SELECT style, instance FROM fonts ORDER BY instance").fetchall()
    conn.close()
    assert instances == [("Regular", None), ("Bold", "wght=700")]
    # Third command of the square is lineTo(right, top): the Bold instance is 100 units wider.
    assert [json.loads(r["contours"])[0][2] for r in rows] == [
        ["lineTo", [100, 100]],
        ["lineTo", [200, 100]],
    ]


def test_failed_transaction_leaves_no_partial_font(tmp_path, tiny_fonts):
    db = tmp_path / "t.db"
    stats = ingest_lib.ingest(db, [tiny_fonts["cff"]], progress=False)
    assert stats.added == 1
    good = parse_pool.parse_font_file(tiny_fonts["arabic"], "default", [0x627, 0x628])[0].parsed
    bad_rows = [dict(r) for r in good.rows]
    bad_rows[3]["label"] = None  # NOT NULL: the 4th insert fails after 3 rows went in
    conn = sqlite3.connect(db, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError):
        ingest_lib.write_font(conn, ParsedFont(font=good.font, rows=bad_rows))
    conn.close()
    assert _count(db, "fonts") == 1 and _count(db, "glyphs") == 2  # only the CFF font
    assert ingest_lib.ingest(db, [tiny_fonts["arabic"]], progress=False).added == 1


def test_killed_run_leaves_no_partial_font(tmp_path, tiny_fonts):
    """SIGKILL in the middle of a font's glyph inserts: after restart the font is absent."""
    db = tmp_path / "k.db"
    script = textwrap.dedent(
        f"""
        import os, signal, sqlite3
        from raster.data import ingest, parse_pool
        from raster.data.glyph_rows import ParsedFont

        class KillingRows(list):
            def __iter__(self):
                for i, row in enumerate(list.__iter__(self)):
                    if i == 3:
                        os.kill(os.getpid(), signal.SIGKILL)
                    yield row

        ingest.ingest({str(db)!r}, [{str(tiny_fonts["cff"])!r}], progress=False)
        parsed = parse_pool.parse_font_file({str(tiny_fonts["arabic"])!r}, "default", list(range(0x600, 0x700)))[0].parsed
        conn = sqlite3.connect({str(db)!r}, isolation_level=None)
        ingest.write_font(conn, ParsedFont(font=parsed.font, rows=KillingRows(parsed.rows)))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == -9, proc.stderr
    assert _count(db, "fonts") == 1 and _count(db, "glyphs") == 2
    assert _run(db, tiny_fonts["arabic"]) == 0  # the restart ingests the font completely
    assert _count(db, "glyphs") == 2 + len(EXPECTED["Tiny Arabic"])


def test_bundled_amiri_regular(tmp_path):
    from raster.data.bundled import bundled_font_paths

    (amiri,) = [p for p in bundled_font_paths() if p.name == "Amiri-Regular.ttf"]
    db = tmp_path / "amiri.db"
    assert _run(db, amiri) == 0
    rows = _rows(db)
    beh = sorted(r["form"] for r in rows if r["codepoint"] == 0x628)
    assert beh == ["fina", "init", "isol", "medi"]
    arabic = {r["label"] for r in rows if 0x600 <= r["codepoint"] <= 0x8FF}
    assert len(arabic) >= 100
    for r in rows:
        cp = int(r["label"].split("_")[0])
        assert not (0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF), r["label"]
    conn = sqlite3.connect(db)
    got = conn.execute(ANCHOR_QUERY, (10,)).fetchall()
    conn.close()
    assert len(got) == 10 and all(row[6] == 1000 for row in got)  # upem joined from fonts


def test_cli_needs_paths(tmp_path):
    with pytest.raises(SystemExit):
        ingest.main(["--db", str(tmp_path / "x.db")])


def test_binary_outline_column_equals_the_json(tiny_db):
    from raster.data.contours import outline_from_bytes, parse_contours

    conn = sqlite3.connect(tiny_db)
    rows = conn.execute("SELECT glyph_id, contours, outline FROM glyphs").fetchall()
    conn.close()
    assert rows and all(blob is not None for _, _, blob in rows)
    for gid, text, blob in rows:
        assert outline_from_bytes(blob, gid) == parse_contours(text, gid)


def test_older_database_gains_the_outline_column_on_ingest(tmp_path, tiny_fonts):
    from raster.data.selection import SelectionConfig, select_glyphs

    db = tmp_path / "old.db"
    assert _run(db, tiny_fonts[TINY[0]]) == 0
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE glyphs DROP COLUMN outline")  # as made before the column
    conn.commit()
    n_old = conn.execute("SELECT COUNT(*) FROM glyphs").fetchone()[0]
    conn.close()
    t_old, _ = select_glyphs(SelectionConfig(db=db, limit=0))  # read-only: JSON, no change
    assert not schema.has_outline_column(schema.connect(db)) and len(t_old) == n_old
    assert _run(db, tiny_fonts[TINY[1]]) == 0  # opened for writing: the column is added
    conn = sqlite3.connect(db)
    cells = [b for (b,) in conn.execute("SELECT outline FROM glyphs ORDER BY glyph_id")]
    conn.close()
    assert cells[:n_old] == [None] * n_old and None not in cells[n_old:]
    t, _ = select_glyphs(SelectionConfig(db=db, limit=0))
    assert t.outlines[:n_old] == t_old.outlines


def test_add_outlines_fills_an_old_database(tmp_path, tiny_fonts, capsys, caplog):
    from raster.data.contours import outline_from_bytes, parse_contours

    db = tmp_path / "old.db"
    assert _run(db, tiny_fonts[TINY[0]]) == 0
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE glyphs DROP COLUMN outline")  # as made before the column
    conn.execute("UPDATE glyphs SET contours = '[]' WHERE glyph_id = 1")  # undrawable
    conn.commit()
    n = conn.execute("SELECT COUNT(*) FROM glyphs").fetchone()[0]
    conn.close()
    assert ingest.main(["--db", str(db), "--add-outlines"]) == 0
    assert f"binary outlines for {n - 1} rows (1 undrawable" in capsys.readouterr().out
    conn = sqlite3.connect(db)
    for gid, text, blob in conn.execute("SELECT glyph_id, contours, outline FROM glyphs"):
        if gid == 1:
            assert blob is None
        else:
            assert outline_from_bytes(blob) == parse_contours(text)
    assert conn.execute(ANCHOR_QUERY, (5,)).fetchall()
    conn.close()
    with caplog.at_level("ERROR"):
        assert ingest.main(["--db", str(tmp_path / "missing.db"), "--add-outlines"]) == 2
    assert "missing.db: no such glyph database" in caplog.text
