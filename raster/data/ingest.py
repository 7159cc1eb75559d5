"""Ingest internals: fonts into the SQLite glyph database, one transaction per font.

Fonts are parsed by :mod:`raster.data.parse_pool`; this module is the only writer.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from raster.data.fonts import find_font_files
from raster.data.glyph_rows import (
    DEFAULT_RANGES,
    ParsedFont,
    add_outlines,
    parse_ranges,
    repertoire,
)
from raster.data.parse_pool import Outcome, parse_font_file, parse_in_workers
from raster.data.schema import (
    FONT_METRIC_COLUMNS,
    FORMS,
    connect,
    has_outline_column,
    inspect_db,
)
from raster.data.unicode_tables import unicode_version
from raster.errors import IngestAborted, SchemaError
from raster.progress import progress_bar

log = logging.getLogger(__name__)

INGEST_VERSION = "1"
GLYPH_COLUMNS = (
    "f_id",
    "label",
    "contours",
    "joining_group",
    "char_class",
    "codepoint",
    "form",
    "glyph_name",
    "gid",
    "shaping",
    "same_as_isol",
)
FONT_COLUMNS = ("file_hash", *FONT_METRIC_COLUMNS, "family", "style", "path", "instance")


def format_ranges(ranges: Sequence[tuple[int, int]]) -> str:
    """``((0x600, 0x6FF), (0x21, 0x7E))`` -> ``'0600-06FF,0021-007E'`` (what ``--ranges`` reads)."""
    return ",".join(f"{lo:04X}-{hi:04X}" for lo, hi in ranges)


@dataclass
class RunStats:
    """Counts of one ingest run (what :func:`ingest` returns)."""

    added: int = 0
    present: int = 0
    extended: int = 0
    empty: int = 0
    failed: int = 0
    glyphs: int = 0
    labels: set[str] = field(default_factory=set)
    labels_per_form: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)
    empties: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def write_font(
    conn: sqlite3.Connection, parsed: ParsedFont, ranges: str | None = None
) -> tuple[bool, list[dict]]:
    """Insert one face and its glyph rows in a single transaction.

    A face already in the database gets only the rows whose label it lacks (a wider
    repertoire), and its ``ingest_ranges`` becomes ``ranges``.

    Args:
        conn: connection in autocommit mode (``isolation_level=None``).
        parsed: the face's rows.
        ranges: the repertoire, as :func:`format_ranges` writes it.

    Returns:
        ``(new, rows)``: whether the face was new, and the glyph rows written (empty: the face
        was known with every label).

    Raises:
        sqlite3.Error: the insert failed; the transaction is rolled back, so the database
            holds either the whole font or none of it.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        file_hash = parsed.font["file_hash"]
        if conn.execute("SELECT 1 FROM fonts WHERE file_hash = ?", (file_hash,)).fetchone():
            have = {
                r[0] for r in conn.execute("SELECT label FROM glyphs WHERE f_id = ?", (file_hash,))
            }
            rows = [r for r in parsed.rows if r["label"] not in have]
            _insert_glyphs(conn, rows)
            conn.execute(
                "UPDATE fonts SET n_glyphs = COALESCE(n_glyphs, 0) + ?, "
                "ingest_ranges = COALESCE(?, ingest_ranges) WHERE file_hash = ?",
                (len(rows), ranges, file_hash),
            )
            conn.execute("COMMIT")
            return False, rows
        font = dict(
            parsed.font,
            n_glyphs=len(parsed.rows),
            added_at=datetime.now(UTC).isoformat(timespec="seconds"),
            ingest_ranges=ranges,
        )
        cols = (*FONT_COLUMNS, "n_glyphs", "added_at", "ingest_ranges")
        conn.execute(
            f"INSERT INTO fonts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [font.get(c) for c in cols],
        )
        _insert_glyphs(conn, parsed.rows)
        conn.execute("COMMIT")
    except BaseException:
        # SQLite rolls back by itself on some errors (SQLITE_FULL): a second ROLLBACK would
        # raise "no transaction is active" and hide the real error
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        raise
    return True, parsed.rows


def _insert_glyphs(conn: sqlite3.Connection, rows: list[dict]) -> None:
    # A database made before the binary outline column keeps its schema (JSON only).
    cols = (*GLYPH_COLUMNS, "outline") if has_outline_column(conn) else GLYPH_COLUMNS
    conn.executemany(
        f"INSERT INTO glyphs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        ([row.get(c) for c in cols] for row in rows),
    )


def done_hashes(conn: sqlite3.Connection, codepoints: Sequence[int]) -> frozenset[str]:
    """Faces already ingested with a repertoire holding every one of ``codepoints``.

    A face whose ``ingest_ranges`` is unknown (NULL: an older database, the user's original
    one) or narrower is parsed again, and :func:`write_font` adds the labels it lacks.
    """
    want = set(codepoints)
    covered: dict[str, bool] = {}
    out = set()
    for file_hash, spec in conn.execute("SELECT file_hash, ingest_ranges FROM fonts"):
        if spec is None:
            continue
        if spec not in covered:
            try:
                covered[spec] = want <= set(repertoire(parse_ranges(spec)))
            except (ValueError, argparse.ArgumentTypeError):
                covered[spec] = False
        if covered[spec]:
            out.add(file_hash)
    return frozenset(out)


def write_meta(conn: sqlite3.Connection, ranges: Sequence[tuple[int, int]], instances: str) -> None:
    """Record how the database was built in the ``meta`` table."""
    items = {
        "ingest_tool": "raster.ingest",
        "ingest_version": INGEST_VERSION,
        "unicode_joining_table": unicode_version(),
        "last_ingest_ranges": format_ranges(ranges),
        "last_ingest_instances": instances,
        "last_ingest_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with conn:
        conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", items.items())


def ingest(
    db_path: str | Path,
    paths: Iterable[str | Path],
    instances: str = "default",
    ranges: Sequence[tuple[int, int]] = DEFAULT_RANGES,
    skip_composed: bool = False,
    workers: int = 1,
    progress: bool | None = None,
) -> RunStats:
    """Ingest fonts into the database at ``db_path`` (created if missing).

    Args:
        db_path: SQLite file.
        paths: font files or folders.
        instances: 'default' or 'named'.
        ranges: inclusive codepoint ranges of the repertoire.
        skip_composed: drop forms that shape to several glyphs.
        workers: processes parsing fonts; the calling process is the only writer.
        progress: show a progress bar (None: when stderr is a terminal).

    Returns:
        The run's counts. Each failure is also reported as one ``path: reason`` line on stderr.
    """
    t0 = time.perf_counter()
    stats = RunStats()
    files, problems = find_font_files(paths)
    for p, reason in problems:
        _report_failure(stats, str(p), reason)
    codepoints = repertoire(ranges)
    spec = format_ranges(ranges)
    db_path = Path(db_path)
    created = inspect_db(db_path).kind == "missing"
    conn = connect(db_path, create=True)
    try:
        conn.isolation_level = None  # explicit BEGIN/COMMIT per font in write_font
        known = done_hashes(conn, codepoints)
        bar = progress_bar(
            total=len(files), unit="file", desc="ingest", enabled=progress, mininterval=0.1
        )
        try:
            if workers > 1 and len(files) > 1:
                results = parse_in_workers(
                    files, workers, (instances, codepoints, skip_composed, known)
                )
            else:
                results = (
                    parse_font_file(path, instances, codepoints, skip_composed, known)
                    for path in files
                )
            for outcomes in results:
                _store(conn, outcomes, stats, bar, spec, db_path)
        finally:
            bar.close()
        if stats.added or stats.extended or not created:
            write_meta(conn, ranges, instances)
    finally:
        conn.close()
        if created and stats.added == 0:
            _remove_db(db_path)
    stats.seconds = time.perf_counter() - t0
    return stats


def _remove_db(db_path: Path) -> None:
    """Delete a database this run created and filled with nothing (and its WAL files)."""
    for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        p.unlink(missing_ok=True)


def _report_failure(stats: RunStats, label: str, reason: str) -> None:
    stats.failed += 1
    stats.failures.append((label, reason))
    tqdm.write(f"{label}: {reason}", file=sys.stderr)


def _store(
    conn: sqlite3.Connection,
    outcomes: list[Outcome],
    stats: RunStats,
    bar: tqdm,
    ranges: str | None = None,
    db_path: Path | str = "database",
) -> None:
    for o in outcomes:
        if o.kind == "error":
            _report_failure(stats, o.label, o.reason or "unknown error")
        elif o.kind == "present":
            stats.present += 1
        elif o.kind == "empty":
            stats.empty += 1
            stats.empties.append((o.label, o.reason or "no glyphs"))
            log.info("%s: skipped, %s", o.label, o.reason)
        else:
            try:
                written = write_font(conn, o.parsed, ranges)
            except sqlite3.IntegrityError as exc:  # this font's rows: the next one may work
                _report_failure(stats, o.label, f"database write failed ({exc}); font not stored")
                continue
            except sqlite3.Error as exc:  # disk full, read-only, I/O: no font can be stored
                raise IngestAborted(
                    f"{db_path}: database write failed ({exc}) at {o.label}; stopped, the "
                    f"{stats.added} fonts added before it are kept"
                ) from exc
            is_new, new = written
            if not new:  # known font (or reached twice in one run): nothing new
                stats.present += 1
                continue
            if is_new:
                stats.added += 1
            else:  # a known font: only the labels it lacked were added
                stats.extended += 1
            stats.glyphs += len(new)
            for row in new:
                if row["label"] not in stats.labels:
                    stats.labels.add(row["label"])
                    stats.labels_per_form[row["form"]] += 1
    bar.update(1)
    bar.set_postfix(fonts=stats.added, glyphs=stats.glyphs, refresh=False)


def format_summary(stats: RunStats, db_path: str | Path) -> str:
    """The end-of-run summary printed by :func:`main`."""
    lines = [
        f"database: {db_path}",
        f"fonts added: {stats.added}"
        + (
            f" (and {stats.extended} known fonts got the labels they lacked)"
            if stats.extended
            else ""
        ),
        f"fonts skipped: {stats.present} already present, {stats.empty} without repertoire glyphs, {stats.failed} failed",
    ]
    for label, reason in stats.empties:
        lines.append(f"  {label}: {reason}")
    for label, reason in stats.failures:
        lines.append(f"  {label}: {reason}")
    lines += [
        f"glyphs added: {stats.glyphs}",
        f"distinct labels added: {len(stats.labels)}",
        "labels per form: " + ", ".join(f"{f} {stats.labels_per_form.get(f, 0)}" for f in FORMS),
        f"time: {stats.seconds:.1f} s",
    ]
    return "\n".join(lines)


def add_outline_column(db_path: Path) -> tuple[int, int, float]:
    """``ingest --add-outlines``: add the binary outline column to an older database and fill
    it from the JSON contours (no fonts needed).

    Returns:
        ``(filled, undrawable, seconds)``: rows given an outline, rows left NULL, wall time (s).

    Raises:
        SchemaError: ``db_path`` is not a file or cannot be opened as a glyph database.
    """
    if not db_path.is_file():
        raise SchemaError(f"{db_path}: no such glyph database")
    try:  # opened for writing: an older schema is migrated (the column added) first
        conn = connect(db_path, create=True)
    except sqlite3.Error as exc:
        raise SchemaError(f"{db_path}: {exc}") from exc
    t0 = time.perf_counter()
    filled, bad = add_outlines(conn)
    conn.close()
    return filled, bad, time.perf_counter() - t0
