"""The SQLite glyph database: schema, connection, and the user's anchor query.

The schema keeps every table and column of the user's existing ``glyphs.db`` (see
``shared/reference/anchor-facts.md``) so their database works unchanged; columns this project
adds are optional when reading.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

FORMS = ("isol", "init", "medi", "fina")

# The user's loader runs this query unchanged; every DB this project writes must answer it.
ANCHOR_QUERY = """
SELECT g.glyph_id, g.f_id AS font_hash, g.label, g.contours, g.joining_group, g.char_class,
       f.upem, f.ascent, f.descent, f.typo_ascent, f.typo_descent, f.x_height,
       f.cap_height, f.line_gap
FROM glyphs g LEFT JOIN fonts f ON f.file_hash = g.f_id
WHERE contours IS NOT NULL ORDER BY RANDOM() LIMIT ?
"""

FONT_METRIC_COLUMNS = (
    "upem",
    "ascent",
    "descent",
    "typo_ascent",
    "typo_descent",
    "x_height",
    "cap_height",
    "line_gap",
)

DDL = """
CREATE TABLE IF NOT EXISTS fonts (
    file_hash    TEXT PRIMARY KEY,  -- sha256 of the file bytes (+ instance location), hex
    upem         INTEGER,
    ascent       INTEGER,
    descent      INTEGER,
    typo_ascent  INTEGER,
    typo_descent INTEGER,
    x_height     INTEGER,
    cap_height   INTEGER,
    line_gap     INTEGER,
    family       TEXT,
    style        TEXT,
    path         TEXT,
    instance     TEXT,              -- NULL: default instance; else 'wght=700,wdth=100'
    n_glyphs     INTEGER,           -- rows this font contributed
    added_at     TEXT
);
CREATE TABLE IF NOT EXISTS glyphs (
    glyph_id      INTEGER PRIMARY KEY,
    f_id          TEXT NOT NULL,    -- fonts.file_hash
    label         TEXT NOT NULL,    -- '<decimal base codepoint>_<form>', e.g. '1593_init'
    contours      TEXT,             -- JSON list of subpaths of fontTools pen calls, font units
    joining_group TEXT,             -- Unicode ArabicShaping joining group, 'NO_JOIN' otherwise
    char_class    TEXT,             -- coarse class: arabic_letter, latin, diacritic, ...
    codepoint     INTEGER,          -- base codepoint (never a presentation form)
    form          TEXT,             -- isol | init | medi | fina
    glyph_name    TEXT,
    gid           INTEGER,          -- glyph index in the font; NULL for composed rows
    shaping       TEXT,             -- 'single' (one glyph) | 'composed' (several, positioned)
    same_as_isol  INTEGER DEFAULT 0 -- 1: a contextual form drawn with the isol glyph
);
CREATE INDEX IF NOT EXISTS idx_glyphs_label ON glyphs(label);
CREATE INDEX IF NOT EXISTS idx_glyphs_f_id ON glyphs(f_id);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
"""


class SchemaError(RuntimeError):
    """The database is missing a table or column the anchor query needs."""


def connect(db_path: str | Path, create: bool = False) -> sqlite3.Connection:
    """Open a glyph database.

    Args:
        db_path: path of the SQLite file.
        create: create the file and the schema if missing; otherwise the file must exist.

    Returns:
        A connection with ``row_factory = sqlite3.Row``.

    Raises:
        FileNotFoundError: ``create`` is false and the file does not exist.
        SchemaError: the database lacks the tables/columns of the anchor query.
    """
    db_path = Path(db_path)
    if not create and not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no such glyph database")
    if create:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(db_path))
    conn.row_factory = sqlite3.Row
    if create:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(DDL)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
        conn.commit()
    check_schema(conn, db_path)
    return conn


def table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """Names of the columns of ``table`` (empty when the table does not exist)."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def check_schema(conn: sqlite3.Connection, db_path: str | Path = "?") -> None:
    """Raise :class:`SchemaError` when the anchor query cannot run on ``conn``."""
    need = {
        "glyphs": {"glyph_id", "f_id", "label", "contours", "joining_group", "char_class"},
        "fonts": {"file_hash", *FONT_METRIC_COLUMNS},
    }
    for table, columns in need.items():
        missing = columns - table_columns(conn, table)
        if missing:
            raise SchemaError(f"{db_path}: table {table} lacks columns {sorted(missing)}")
