"""Ingest faults: truncated fonts, dead workers, wider ranges, foreign and original-schema DBs,
a full disk, dangling links, read-only folders. Each asserts the exact outcome."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from helpers import SQUARE, anchor_db, assert_no_traceback, error_lines, read_only_folder, sha256

from raster import dbstats, ingest
from raster.data import ingest as ingest_lib
from raster.data import parse_pool
from raster.data.bundled import bundled_font_paths
from raster.data.schema import ANCHOR_QUERY, SCHEMA_VERSION


def _run(db, *args):
    return ingest.main(["--db", str(db), "--no-progress", *map(str, args)])


def _labels(db, where="1"):
    conn = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in conn.execute(f"SELECT label FROM glyphs WHERE {where}"))
    finally:
        conn.close()


def _dump(db) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_truncated_font_is_skipped_with_the_damaged_table_named(tmp_path, capsys):
    """Tajawal cut at 94 %: GSUB lies past the end, GPOS is cut. HarfBuzz would drop both
    silently and store isol glyphs as fina ones; the font is skipped instead."""
    src = next(p for p in bundled_font_paths() if p.name == "Tajawal-Regular.ttf")
    data = src.read_bytes()
    cut = tmp_path / "Tajawal-cut.ttf"
    cut.write_bytes(data[: int(len(data) * 0.94)])
    before = sha256(cut)
    db = tmp_path / "g.db"
    assert _run(db, cut) == 1  # nothing could be ingested
    err = capsys.readouterr().err
    assert_no_traceback(err)
    assert [line for line in error_lines(err) if "Tajawal-cut" in line] == [
        f"{cut}: table GSUB is truncated (it ends at byte 60354, the file at {len(data) * 94 // 100}); "
        "the labels depend on it, font skipped"
    ]
    assert sha256(cut) == before
    assert not db.exists()  # no empty database left behind


def test_damaged_table_inside_the_file_is_named(tmp_path, tiny_fonts, capsys):
    """A GSUB whose bytes are garbage (inside the file) fails to decompile: skipped, named."""
    from fontTools.ttLib import TTFont

    font = TTFont(tiny_fonts["arabic"], lazy=True)
    entry = font.reader.tables["GSUB"]
    data = bytearray(tiny_fonts["arabic"].read_bytes())
    data[entry.offset : entry.offset + 8] = b"\xff" * 8  # version 0xFFFF.FFFF, bad offsets
    bad = tmp_path / "bad_gsub.ttf"
    bad.write_bytes(bytes(data))
    db = tmp_path / "g.db"
    assert _run(db, bad, tiny_fonts["cff"]) == 0
    err = error_lines(capsys.readouterr().err)
    (line,) = [e for e in err if "bad_gsub" in e]
    assert line.startswith(f"{bad}: table GSUB is damaged (") and line.endswith(
        "); the labels depend on it, font skipped"
    )
    assert _labels(db) == ["76_isol", "79_isol"]  # only the CFF font
    # identify reads outlines only (its fonts' cmap/GSUB are often the broken part): it works
    from raster.inference.font_glyphs import read_font_glyphs

    assert "beh.init" in read_font_glyphs(bad).names


def _killing_parse(real):
    def parse(path, *args, **kwargs):
        if Path(path).name.startswith("killer"):
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
        return real(path, *args, **kwargs)

    return parse


def test_dead_worker_is_named_and_the_run_goes_on(tmp_path, tiny_fonts, capsys, monkeypatch):
    killer = tmp_path / "killer.ttf"
    shutil.copy(tiny_fonts["truetype"], killer)
    monkeypatch.setattr(parse_pool, "parse_font_file", _killing_parse(parse_pool.parse_font_file))
    db = tmp_path / "g.db"
    fonts = [tiny_fonts["arabic"], killer, tiny_fonts["cff"], tiny_fonts["presentation"]]
    assert _run(db, "--workers", "2", *fonts) == 0
    out, err = capsys.readouterr()
    assert error_lines(err) == [f"{killer}: {parse_pool.WORKER_DIED}"]
    assert "fonts added: 3" in out and "1 failed" in out
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM fonts").fetchone()[0] == 3
    conn.close()


def test_wider_ranges_add_the_missing_labels(tmp_path, tiny_fonts, capsys):
    db = tmp_path / "g.db"
    assert _run(db, "--ranges", "0041", tiny_fonts["arabic"]) == 0
    assert _labels(db) == ["65_isol"]
    capsys.readouterr()
    assert _run(db, tiny_fonts["arabic"]) == 0  # default ranges: Arabic + ASCII
    out = capsys.readouterr().out
    assert "fonts added: 0 (and 1 known fonts got the labels they lacked)" in out
    fresh = tmp_path / "fresh.db"
    assert _run(fresh, tiny_fonts["arabic"]) == 0
    assert _labels(db) == _labels(fresh) and len(_labels(db)) == 18
    conn = sqlite3.connect(db)
    ((n_glyphs, ranges),) = conn.execute("SELECT n_glyphs, ingest_ranges FROM fonts").fetchall()
    conn.close()
    assert n_glyphs == 18 and ranges == "0600-06FF,0750-077F,08A0-08FF,0021-007E"
    capsys.readouterr()
    assert _run(db, tiny_fonts["arabic"]) == 0  # now it is done: nothing parsed, nothing added
    assert "1 already present" in capsys.readouterr().out
    assert len(_labels(db)) == 18


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


def test_foreign_database_is_refused_untouched(tmp_path, tiny_fonts, caplog):
    db = tmp_path / "app.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users VALUES (1, 'ada')")
    conn.commit()
    conn.close()
    before = sha256(db)
    assert _run(db, tiny_fonts["arabic"]) == 2
    assert _errors(caplog) == [
        f"{db}: not a glyph database (it holds tables users, not glyphs "
        "and fonts with the anchor columns); refusing to change it"
    ]
    assert sha256(db) == before and not Path(f"{db}-wal").exists()


def test_non_sqlite_file_is_refused_untouched(tmp_path, tiny_fonts, caplog):
    db = tmp_path / "notes.db"
    db.write_text("not a database\n" * 100)
    before = sha256(db)
    assert _run(db, tiny_fonts["arabic"]) == 2
    (line,) = _errors(caplog)
    assert line.startswith(f"{db}: not a SQLite database (")
    assert sha256(db) == before


def test_original_schema_is_migrated_in_place(tmp_path, tiny_fonts, caplog):
    db = anchor_db(tmp_path / "glyphs.db")
    before = _dump(db)
    with caplog.at_level("WARNING"):
        assert _run(db, tiny_fonts["arabic"]) == 0
    note = [r.getMessage() for r in caplog.records if "migrated" in r.getMessage()]
    assert len(note) == 1
    assert note[0].endswith(
        f"{db}: migrated from the original glyphs.db schema to schema {SCHEMA_VERSION} in place "
        "(added fonts.family, fonts.style, fonts.path, fonts.instance, fonts.n_glyphs, "
        "fonts.added_at, fonts.ingest_ranges, glyphs.codepoint, glyphs.form, glyphs.glyph_name, "
        f"glyphs.gid, glyphs.shaping, glyphs.same_as_isol, glyphs.outline; all 2 glyph rows and "
        "their ids kept); "
        f"backup: {db}.bak"
    )
    assert _dump(Path(f"{db}.bak")) == before  # the backup holds the database as it was
    conn = sqlite3.connect(db)
    old = conn.execute(
        "SELECT glyph_id, f_id, label, contours FROM glyphs WHERE f_id = 'userfont' ORDER BY glyph_id"
    ).fetchall()
    assert old == [(7, "userfont", "1576_init", SQUARE), (4242, "userfont", "65_isol", SQUARE)]
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert conn.execute("SELECT COUNT(*) FROM glyphs WHERE f_id != 'userfont'").fetchone()[0] == 18
    assert (
        min(r[0] for r in conn.execute("SELECT glyph_id FROM glyphs WHERE f_id != 'userfont'"))
        > 4242
    )
    assert len(conn.execute(ANCHOR_QUERY, (100,)).fetchall()) == 20  # their loader still runs
    conn.close()
    caplog.clear()
    assert _run(db, tiny_fonts["cff"]) == 0  # the second run: no migration, no second backup
    assert not [r for r in caplog.records if "migrated" in r.getMessage()]
    assert not Path(f"{db}.bak1").exists()


def test_full_disk_reports_the_real_error_and_stops(tmp_path, tiny_fonts, caplog, monkeypatch):
    """SQLite rolls back by itself on SQLITE_FULL: the old second ROLLBACK hid the real error
    ("cannot rollback - no transaction is active") and the run went on, exit 0."""
    db = tmp_path / "g.db"
    assert _run(db, tiny_fonts["cff"]) == 0
    real_connect = ingest_lib.connect

    def full_connect(path, create=False):
        conn = real_connect(path, create=create)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here on
        return conn

    monkeypatch.setattr(ingest_lib, "connect", full_connect)
    caplog.clear()
    assert _run(db, tiny_fonts["arabic"], tiny_fonts["truetype"]) == 2
    assert _errors(caplog) == [
        f"{db}: database write failed (database or disk is full) at "
        f"{tiny_fonts['arabic']}; stopped, the 0 fonts added before it are kept"
    ]
    assert _labels(db) == ["76_isol", "79_isol"]  # the earlier font is intact


def test_dangling_symlink_is_reported(tmp_path, tiny_fonts, capsys):
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(tiny_fonts["cff"], folder / "a.otf")
    (folder / "gone.ttf").symlink_to(tmp_path / "deleted.ttf")
    assert _run(tmp_path / "g.db", folder) == 0
    assert error_lines(capsys.readouterr().err) == [
        f"{folder / 'gone.ttf'}: dangling symbolic link (its target {tmp_path / 'deleted.ttf'} "
        "does not exist)"
    ]


def test_database_in_a_read_only_folder_is_read(tmp_path, tiny_fonts, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    assert _run(folder / "g.db", tiny_fonts["arabic"]) == 0
    conn = sqlite3.connect(folder / "g.db")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    capsys.readouterr()
    with read_only_folder(folder) as ro:
        if ro is None:
            pytest.skip("cannot make a read-only folder here (root without mount)")
        assert dbstats.main(["--db", str(ro / "g.db")]) == 0
        out = capsys.readouterr().out
        assert "18" in out


def test_upem_and_contour_faults_are_dropped_and_named(tmp_path, caplog):
    """Non-numeric upem, upem 0, 200,000 nested brackets and 1e308 coordinates: each row is
    dropped by the malformed-row filter and named; the good rows are selected."""
    from raster.data.selection import SelectionConfig, select_glyphs

    db = anchor_db(tmp_path / "g.db")
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO fonts(file_hash, upem) VALUES ('text_upem', 'abc'), ('zero', 0)")
    deep = "[" * 200_000 + "]" * 200_000
    huge = '[[["moveTo",[1e308,1e308]],["lineTo",[1e308,0]],["lineTo",[0,1]],["closePath",null]]]'
    conn.executemany(
        "INSERT INTO glyphs VALUES (?, ?, '65_isol', ?, 'NO_JOIN', 'latin')",
        [
            (11, "text_upem", SQUARE),
            (12, "zero", SQUARE),
            (13, "userfont", deep),
            (14, "userfont", huge),
        ],
    )
    conn.commit()
    conn.close()
    with caplog.at_level("WARNING"):
        table, info = select_glyphs(SelectionConfig(db=db, limit=0))
    assert sorted(table.glyph_ids.tolist()) == [7, 4242]
    assert info["dropped_malformed"] == 4
    (msg,) = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert msg == (
        "dropped 4 malformed rows before any split/cache; first: 11 (upem 'abc' is not a number), "
        "12 (upem 0 is not a positive number), 13 (bad JSON (nested too deeply)), "
        "14 (coordinate beyond ±1e+06 font units)"
    )
