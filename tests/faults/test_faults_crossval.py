"""Cross-validation faults (issue 29): the user's own glyphs.db (original schema, font files
moved away), --folds 0/1, --out-dir naming a file."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
from helpers import assert_no_traceback

from raster import crossval
from raster.data import ingest
from raster.data.bundled import bundled_font_paths
from raster.data.schema import FONT_METRIC_COLUMNS

FONTS = ("Tajawal-Regular.ttf", "Tajawal-Bold.ttf", "Almarai-Regular.ttf", "Almarai-Bold.ttf")


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def user_db(tmp_path_factory) -> Path:
    """The user's glyphs.db: the anchor columns plus ``fonts.file_path`` and ``family_name``
    as their system writes them (no ``path``, ``family``, ``instance``, no meta table); the
    Almarai files it names have been moved away since."""
    folder = tmp_path_factory.mktemp("user")
    ours = folder / "ours.db"
    ingest.ingest(ours, [p for p in bundled_font_paths() if p.name in FONTS], progress=False)
    db = folder / "glyphs.db"
    metrics = ", ".join(FONT_METRIC_COLUMNS)
    conn = sqlite3.connect(db)
    conn.executescript(
        f"""
        CREATE TABLE fonts (file_hash TEXT PRIMARY KEY,
            {", ".join(f"{c} INTEGER" for c in FONT_METRIC_COLUMNS)},
            file_path TEXT, family_name TEXT);
        CREATE TABLE glyphs (glyph_id INTEGER PRIMARY KEY, f_id TEXT, label TEXT,
            contours TEXT, joining_group TEXT, char_class TEXT);
        ATTACH '{ours}' AS o;
        INSERT INTO fonts SELECT file_hash, {metrics},
            CASE WHEN path LIKE '%Almarai%' THEN '/moved/away/' || replace(path, rtrim(path,
                replace(path, '/', '')), '') ELSE path END,
            family FROM o.fonts;
        INSERT INTO glyphs SELECT glyph_id, f_id, label, contours, joining_group, char_class
            FROM o.glyphs;
        """
    )
    conn.commit()
    conn.close()
    return db


def test_quick_on_the_users_own_database(user_db, tmp_path, caplog, capsys):
    """It stopped with "database error: no such column: path"; now the user's columns are
    read, and a face whose file is gone is scored outline-only from the DB's rows, with one
    line saying why there is no as-shipped score."""
    out = tmp_path / "cv"
    before = user_db.read_bytes()
    assert crossval.main(["--db", str(user_db), "--out-dir", str(out), "--quick"]) == 0
    assert user_db.read_bytes() == before  # read, never migrated behind the user's back
    assert_no_traceback(capsys.readouterr().err)
    plan = json.loads((out / "folds.json").read_text())
    assert {f["family"] for f in plan["fonts"]} == {"Tajawal", "Almarai"}
    results = [json.loads((out / f"fold{i}" / "result.json").read_text()) for i in (0, 1)]
    gone = next(r for r in results if r["outline_only"])
    kept = next(r for r in results if not r["outline_only"])
    assert len(gone["outline_only"]) == 1 and gone["outline_only"][0].startswith("/moved/away/")
    assert set(gone["scores"]) == {"stripped", "pixel"}  # no as-shipped score
    assert gone["scores"]["stripped"]["letters"]["n"] > 20
    assert set(kept["scores"]) == {"stripped", "shipped", "pixel"}
    why = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "as-shipped score skipped" in r.getMessage()
    ]
    assert len(why) == 1 and gone["outline_only"][0] in why[0], why
    assert "font files are gone" in why[0] and "outline-only" in why[0]


@pytest.mark.parametrize("folds", ["0", "1"])
def test_fewer_than_two_folds_is_one_argparse_line(folds, user_db, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        crossval.main(["--db", str(user_db), "--out-dir", str(tmp_path / "cv"), "--folds", folds])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --folds: must be an integer of at least 2, got {folds}" in err
    assert not (tmp_path / "cv").exists()


def test_out_dir_naming_a_file_is_refused_in_one_line(user_db, tmp_path, caplog):
    """It said "File exists" (mkdir's errno) without naming the flag."""
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    assert crossval.main(["--db", str(user_db), "--out-dir", str(notes), "--quick"]) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [f"{notes}: --out-dir names a file; give a folder"]
    assert notes.read_text() == "mine\n"
