"""Shared helpers of the fault tests: file digests, the user's original schema, read-only folders."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from raster.data.schema import FONT_METRIC_COLUMNS


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under ``folder``."""
    return {
        str(p.relative_to(folder)): sha256(p)
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


def error_lines(text: str) -> list[str]:
    """Non-empty lines of ``text``."""
    return [line for line in text.splitlines() if line.strip()]


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text, text
    assert 'File "' not in text, text


# The user's database as their system made it: only the columns their loader reads.
ANCHOR_DDL = f"""
CREATE TABLE fonts (file_hash TEXT PRIMARY KEY, {", ".join(f"{c} INTEGER" for c in FONT_METRIC_COLUMNS)});
CREATE TABLE glyphs (glyph_id INTEGER PRIMARY KEY, f_id TEXT, label TEXT, contours TEXT,
                     joining_group TEXT, char_class TEXT);
"""
SQUARE = '[[["moveTo",[0,0]],["lineTo",[0,500]],["lineTo",[500,500]],["lineTo",[500,0]],["closePath",null]]]'


def anchor_db(path: Path) -> Path:
    """A DB in the user's original schema: one font, glyph rows with ids 7 and 4242."""
    conn = sqlite3.connect(path)
    conn.executescript(ANCHOR_DDL)
    conn.execute("INSERT INTO fonts VALUES ('userfont', 1000, 800, -200, 800, -200, 500, 700, 0)")
    conn.executemany(
        "INSERT INTO glyphs VALUES (?, 'userfont', ?, ?, ?, ?)",
        [
            (7, "1576_init", SQUARE, "BEH", "arabic_letter"),
            (4242, "65_isol", SQUARE, "NO_JOIN", "latin"),
        ],
    )
    conn.commit()
    conn.close()
    return path


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """Make ``folder`` read-only for this process: chmod for a normal user; for root (whom
    permissions do not stop) a read-only tmpfs mounted over a copy. Yields the folder, or None
    when neither works here."""
    folder = Path(folder)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    saved = folder.with_name(folder.name + ".content")
    shutil.copytree(folder, saved)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "none", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        yield None
        return
    try:
        for p in saved.iterdir():
            shutil.copy2(p, folder / p.name)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def tiny_train_args(db: Path, out: Path, epochs: int, *extra: str) -> list[str]:
    """``raster.train`` flags for a tiny, fast run on a :func:`glyphdb.make_db` database (no
    retrieval, no BatchNorm recalibration, one thread): the training fault tests' run."""
    return [
        "--db", str(db), "--limit", "0", "--epochs", str(epochs), "--batch-size", "32",
        "--img-size", "32", "--val-frac", "0.2", "--pre-rasterize", "--out-dir", str(out),
        "--no-retrieval", "--bn-recalibrate-samples", "0", "--log-interval", "100",
        "--seed", "3", "--threads", "1", *extra,
    ]  # fmt: skip
