"""dbstats: exact counts on the tiny-font database, the user's bare schema, the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest

from raster import dbstats, ingest
from raster.data.schema import SCHEMA_VERSION
from raster.data.stats import summarize


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory, tiny_fonts):
    db = tmp_path_factory.mktemp("stats") / "glyphs.db"
    paths = [tiny_fonts[k] for k in ("truetype", "cff", "arabic", "presentation")]
    assert ingest.main(["--db", str(db), "--no-progress", *map(str, paths)]) == 0
    return db


def test_summarize_exact(tiny_db):
    s = summarize(tiny_db)
    assert (s["fonts"], s["glyphs"], s["labels"]) == (4, 30, 22)
    assert s["per_form"] == {
        "isol": {"glyphs": 16, "labels": 12},
        "init": {"glyphs": 4, "labels": 3},
        "medi": {"glyphs": 4, "labels": 3},
        "fina": {"glyphs": 6, "labels": 4},
    }
    assert s["per_char_class"] == {
        "arabic_letter": 21,
        "latin": 5,
        "punctuation": 2,
        "arabic_digit": 1,
        "diacritic": 1,
    }
    assert s["per_joining_group"] == {"BEH": 12, "NO_JOIN": 10, "ALEF": 4, "HAH": 4}
    assert s["per_shaping"] == {"single": 26, "composed": 4}
    assert s["same_as_isol"] == 5
    assert s["per_label"]["1576_init"] == 2 and s["per_label"]["33_isol"] == 1
    assert sum(s["per_label"].values()) == 30
    assert s["single_glyph_labels"] == [
        "33_isol", "46_isol", "76_isol", "1569_isol",
        "1578_isol", "1578_init", "1578_medi", "1578_fina",
        "1580_isol", "1580_init", "1580_medi", "1580_fina",
        "1614_isol", "1633_isol",
    ]  # fmt: skip
    fewest = [(f["family"], f["labels"], f["glyphs"]) for f in s["fonts_with_fewest_labels"]]
    assert fewest == [
        ("Tiny CFF", 2, 2),
        ("Tiny TrueType", 4, 4),
        ("Tiny Presentation", 6, 6),
        ("Tiny Arabic", 18, 18),
    ]
    assert s["meta"]["schema_version"] == str(SCHEMA_VERSION)


def test_summarize_user_schema(tmp_path):
    """The user's database has only the anchor columns; forms come from the label suffix."""
    db = tmp_path / "theirs.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        CREATE TABLE fonts (file_hash TEXT, upem INT, ascent INT, descent INT, typo_ascent INT,
                            typo_descent INT, x_height INT, cap_height INT, line_gap INT);
        CREATE TABLE glyphs (glyph_id INTEGER PRIMARY KEY, f_id TEXT, label TEXT, contours TEXT,
                             joining_group TEXT, char_class TEXT);
        INSERT INTO fonts (file_hash, upem) VALUES ('h1', 1000);
        INSERT INTO glyphs (f_id, label, contours, joining_group, char_class) VALUES
            ('h1', '1593_init', '[]', 'AIN', 'arabic_letter'),
            ('h1', '1593_init', '[]', 'AIN', 'arabic_letter'),
            ('h1', '65227_init', '[]', 'AIN', 'arabic_letter'),
            ('h1', '1593_shaped', '[]', 'AIN', 'arabic_letter');
        """
    )
    conn.close()
    s = summarize(db)
    assert s["per_form"] == {
        "init": {"glyphs": 3, "labels": 2},
        "shaped": {"glyphs": 1, "labels": 1},
    }
    assert s["single_glyph_labels"] == ["1593_shaped", "65227_init"]
    assert s["per_shaping"] == {} and s["meta"] == {}
    assert s["per_font"] == [{"file_hash": "h1", "glyphs": 4, "labels": 3}]


def test_cli(tiny_db, tmp_path, capsys):
    assert dbstats.main(["--db", str(tiny_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["glyphs"] == 30
    assert dbstats.main(["--db", str(tiny_db), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "fonts: 4  glyphs: 30  labels: 22" in out
    assert "labels with a single glyph: 14" in out
    missing = tmp_path / "none.db"
    assert dbstats.main(["--db", str(missing)]) == 2  # EXIT_INPUT
    assert capsys.readouterr().err.strip() == f"{missing}: no such glyph database"
