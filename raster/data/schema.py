"""The SQLite glyph database: schema, connection, and the user's anchor query.

The schema keeps every table and column of the user's existing ``glyphs.db`` (as the
user's own loader reads it) so their database works unchanged; columns this project
adds are optional when reading.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from raster.errors import IngestAborted, SchemaError  # noqa: F401  (re-exported)
from raster.labels import FORMS  # noqa: F401  (re-exported: the label forms)

log = logging.getLogger(__name__)

#: 1: the first schema of this project; 2: adds ``fonts.ingest_ranges`` (the repertoire each
#: font was ingested with, so a wider ``--ranges`` adds the missing labels)
SCHEMA_VERSION = 3  # 3: glyphs.outline (binary outlines)


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
    added_at     TEXT,
    ingest_ranges TEXT              -- '0600-06FF,...': the repertoire ingested; NULL: unknown
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
    same_as_isol  INTEGER DEFAULT 0, -- 1: a contextual form drawn with the isol glyph
    outline       BLOB              -- contours as a binary outline (contours.Outline.to_bytes)
);
CREATE INDEX IF NOT EXISTS idx_glyphs_label ON glyphs(label);
CREATE INDEX IF NOT EXISTS idx_glyphs_f_id ON glyphs(f_id);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
"""


def _ddl_columns() -> dict[str, list[tuple[str, str]]]:
    """``{table: [(column, declaration), ...]}`` of :data:`DDL`, in order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", DDL, re.S):
        cols = []
        for line in body.splitlines():
            line = line.split("--")[0].strip().rstrip(",")
            if line:
                name, decl = line.split(None, 1)
                cols.append((name, decl))
        out[table] = cols
    return out


@dataclass(frozen=True)
class DbKind:
    """What an existing SQLite file holds (see :func:`inspect_db`).

    Attributes:
        kind: 'missing' (no file), 'empty' (no tables), 'ours' (this project's schema, maybe an
            older version), 'anchor' (the user's original glyphs.db schema) or 'foreign'.
        tables: the tables it holds.
        missing: ``(table, column)`` pairs of :data:`DDL` it lacks ('ours'/'anchor').
    """

    kind: str
    tables: tuple[str, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()


ANCHOR_COLUMNS = {
    "glyphs": {"glyph_id", "f_id", "label", "contours", "joining_group", "char_class"},
    "fonts": {"file_hash", *FONT_METRIC_COLUMNS},
}


#: the ``fonts`` columns of a font's file path and family name: this project's, then the user's
#: original schema's (``file_path``, ``family_name``, as their system writes them)
FONT_PATH_COLUMNS = ("path", "file_path")
FONT_FAMILY_COLUMNS = ("family", "family_name")


def font_source_columns(columns: set[str]) -> tuple[str, str]:
    """SQL expressions of a font's file path and family name in a ``fonts`` table with
    ``columns`` (see :data:`FONT_PATH_COLUMNS`); ``NULL`` where the table has neither."""
    path = next((c for c in FONT_PATH_COLUMNS if c in columns), "NULL")
    family = next((c for c in FONT_FAMILY_COLUMNS if c in columns), "NULL")
    return path, family


def _open_ro(db_path: Path) -> sqlite3.Connection:
    """Read-only connection; ``immutable`` where the folder or file cannot be written (a WAL
    database needs its -shm file, which a read-only folder cannot hold)."""
    folder = db_path.parent if str(db_path.parent) else Path(".")
    writable = os.access(folder, os.W_OK) and os.access(db_path, os.W_OK)
    uri = db_path.resolve().as_uri() + ("?mode=ro" if writable else "?immutable=1")
    return sqlite3.connect(uri, uri=True)


def read_rows(db_path: str | Path, sql: str, params: tuple = ()) -> list[tuple]:
    """All rows of one query on a read-only connection, opened and closed here."""
    conn = _open_ro(Path(db_path))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def inspect_db(db_path: str | Path) -> DbKind:
    """Classify the SQLite file at ``db_path`` without changing it.

    Raises:
        SchemaError: the file exists but is not a SQLite database (one line naming it).
    """
    db_path = Path(db_path)
    if not db_path.exists():
        return DbKind("missing")
    if db_path.is_dir():
        raise SchemaError(f"{db_path}: is a folder, not a glyph database")
    if db_path.stat().st_size == 0:
        return DbKind("empty")
    try:
        conn = _open_ro(db_path)
        try:
            tables = tuple(
                sorted(
                    r[0]
                    for r in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%'"
                    )
                )
            )
            columns = {t: table_columns(conn, t) for t in tables}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"{db_path}: not a SQLite database ({exc})") from exc
    if not tables:
        return DbKind("empty")
    if any(not need <= columns.get(t, set()) for t, need in ANCHOR_COLUMNS.items()):
        return DbKind("foreign", tables)
    missing = tuple(
        (t, c)
        for t, cols in _ddl_columns().items()
        if t in columns
        for c, _ in cols
        if c not in columns[t]
    )
    kind = "ours" if "meta" in tables else "anchor"
    return DbKind(kind, tables, missing)


def _backup(db_path: Path) -> Path:
    """Copy the database (consistent, through SQLite's backup API) next to it; never overwrite."""
    n = 0
    while True:
        dest = db_path.with_name(db_path.name + (".bak" if n == 0 else f".bak{n}"))
        if not dest.exists():
            break
        n += 1
    src = sqlite3.connect(str(db_path))
    dst = sqlite3.connect(str(dest))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return dest


def migrate(conn: sqlite3.Connection, db_path: Path, info: DbKind, backup: bool = True) -> str:
    """Add the columns of :data:`DDL` that ``db_path`` lacks, in place; rows and ids are kept.

    Args:
        conn: an open connection to ``db_path`` (autocommit or not; committed here).
        db_path: the file (for the backup and the note).
        info: what :func:`inspect_db` found.
        backup: first copy the file to ``<name>.bak`` (``.bak1``, ... if taken); only done for
            the user's original schema (this project's older schemas only gain NULL columns).

    Returns:
        The one-line note a command prints.
    """
    decl = {(t, c): d for t, cols in _ddl_columns().items() for c, d in cols}
    saved = _backup(db_path) if backup and info.kind == "anchor" else None
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table, column in info.missing:
            d = decl[(table, column)]
            d = d.replace("PRIMARY KEY", "").replace("NOT NULL", "")  # ALTER cannot add these
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    rows = conn.execute("SELECT COUNT(*) FROM glyphs").fetchone()[0]
    what = "the original glyphs.db schema" if info.kind == "anchor" else "an older schema"
    added = ", ".join(f"{t}.{c}" for t, c in info.missing) or "no columns"
    note = (
        f"{db_path}: migrated from {what} to schema {SCHEMA_VERSION} in place "
        f"(added {added}; all {rows} glyph rows and their ids kept)"
    )
    return note + (f"; backup: {saved}" if saved else "")


def _why_not_writable(path: Path) -> str | None:
    """Why ``path`` (a folder or file that exists) cannot be written, or None."""
    if os.access(path, os.W_OK | (os.X_OK if path.is_dir() else 0)):
        return None
    try:
        read_only_fs = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        read_only_fs = False
    return "read-only file system" if read_only_fs else "no write permission"


def check_writable(db_path: Path) -> None:
    """Refuse, in one line naming the path, a database that cannot be written: its folder (or
    the nearest one that exists) is read-only, or the file is. SQLite itself says only "unable
    to open database file" (it also writes journal files beside the database).

    Raises:
        IngestAborted: the database or its folder cannot be written.
    """
    folder = db_path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    why = _why_not_writable(folder)
    if why:
        what = "written" if db_path.exists() else "created"
        raise IngestAborted(
            f"{db_path}: the database cannot be {what}: its folder {folder} cannot be written "
            f"({why}); give a --db in a folder you can write"
        )
    why = db_path.is_file() and _why_not_writable(db_path)
    if why:
        raise IngestAborted(f"{db_path}: the database file cannot be written ({why})")


def connect(db_path: str | Path, create: bool = False, backup: bool = True) -> sqlite3.Connection:
    """Open a glyph database.

    Args:
        db_path: path of the SQLite file.
        create: open for writing: create the file and the schema if missing, migrate this
            project's older schema or the user's original ``glyphs.db`` schema in place (with a
            backup first, see :func:`migrate`). Otherwise the file must exist and is opened
            read-only (``immutable`` in a read-only folder).
        backup: with ``create``, copy a database before migrating it.

    Returns:
        A connection with ``row_factory = sqlite3.Row``.

    Raises:
        FileNotFoundError: ``create`` is false and the file does not exist.
        SchemaError: the file is not a SQLite database, belongs to another application, or
            lacks the tables/columns of the anchor query.
        IngestAborted: ``create`` and the file or its folder cannot be written.
    """
    db_path = Path(db_path)
    if not create and not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no such glyph database")
    info = inspect_db(db_path)
    if create and info.kind != "foreign":  # a foreign file is refused as such, below
        check_writable(db_path)
    if info.kind == "foreign":
        raise SchemaError(
            f"{db_path}: not a glyph database (it holds tables {', '.join(info.tables)}, not "
            "glyphs and fonts with the anchor columns); refusing to "
            + ("change it" if create else "read it")
        )
    if not create:
        if info.kind == "empty":
            raise SchemaError(f"{db_path}: empty database (no glyphs table); run raster.ingest")
        conn = _open_ro(db_path)
        conn.row_factory = sqlite3.Row
        check_schema(conn, db_path)
        return conn
    if info.kind == "missing":
        db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(db_path))
    conn.row_factory = sqlite3.Row
    note = None
    if info.missing:
        note = migrate(conn, db_path, info, backup)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(DDL)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    conn.execute(
        "UPDATE meta SET value = ? WHERE key = 'schema_version' AND CAST(value AS INTEGER) < ?",
        (str(SCHEMA_VERSION), SCHEMA_VERSION),
    )
    conn.commit()
    if note:
        log.warning("%s", note)
    check_schema(conn, db_path)
    return conn


def table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """Names of the columns of ``table`` (empty when the table does not exist)."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def ensure_label_source(conn: sqlite3.Connection) -> None:
    """Add the optional ``glyphs.label_source`` column when it is missing.

    ``label_source`` is NULL for rows labelled from a font's cmap + GSUB and ``'user'`` for rows
    a person labelled on the review page (``raster.ingest --answers``). It is not part of
    :data:`DDL`: only databases that receive user labels get it, and the anchor query and every
    reader ignore it.
    """
    if "label_source" not in table_columns(conn, "glyphs"):
        conn.execute("ALTER TABLE glyphs ADD COLUMN label_source TEXT")


def has_outline_column(conn: sqlite3.Connection) -> bool:
    """Whether ``glyphs`` has the optional binary ``outline`` column (older DBs do not)."""
    return "outline" in table_columns(conn, "glyphs")


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


def db_fingerprint(db_path: str | Path) -> str:
    """sha256 (hex) of what makes a glyph database this one: its glyph count, highest
    glyph_id and sorted font hashes (cheap on a 500k-glyph DB, unlike hashing the file).

    A checkpoint records its training DB's fingerprint, so ``index build`` can warn when it
    is given another database (e.g. the full DB instead of the hold-out copy).
    """
    import hashlib

    conn = connect(db_path)
    try:
        n, top = conn.execute("SELECT COUNT(*), MAX(glyph_id) FROM glyphs").fetchone()
        digest = hashlib.sha256(f"{n}:{top}".encode())
        for (file_hash,) in conn.execute("SELECT file_hash FROM fonts ORDER BY file_hash"):
            digest.update(b"\0" + str(file_hash).encode())
    finally:
        conn.close()
    return digest.hexdigest()
