"""A person's answers as labelled database rows: the corrected font's design, learnt next time.

Each answer with a one-character label (``1576_init``) becomes a ``glyphs`` row of the answered
glyph (its outline, as ``raster.ingest`` stores it) with ``label_source = 'user'``; answers of
no character or of several characters give no row. A font answered anew replaces its earlier
user rows glyph by glyph; rows the font's own cmap gave are left alone. For a PDF, each
answered font's embedded program is the font (keyed by the program's sha256).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from raster.data.fonts import face_hash, font_names
from raster.data.schema import FORMS, connect, ensure_label_source, table_columns
from raster.data.unicode_tables import char_class, joining_group
from raster.inference.font_glyphs import FontGlyphs, read_font_glyphs
from raster.labels import label_codepoints, make_label, split_label
from raster.reviewing.answers import Answer, Answers

USER = "user"


@dataclass
class UserFont:
    """One font's user rows: ``font`` (``fonts`` columns) and ``rows`` (``glyphs`` columns)."""

    font: dict
    rows: list[dict]
    answers: int  # answers given for this font (rows: those with a one-character label)


def _rows(glyphs: FontGlyphs, f_id: str, answers: list[tuple[int, Answer]]) -> list[dict]:
    row_of = {int(g): i for i, g in enumerate(glyphs.gids)}
    rows = []
    for gid, a in answers:
        if len(label_codepoints(a.label)) != 1 or gid not in row_of:
            continue
        cp, form = split_label(a.label)
        if form not in FORMS:
            continue
        i = row_of[gid]
        rows.append(
            {
                "f_id": f_id,
                "label": make_label(cp, form),
                "contours": glyphs.contours[i],
                "joining_group": joining_group(cp),
                "char_class": char_class(cp),
                "codepoint": cp,
                "form": form,
                "glyph_name": glyphs.names[i],
                "gid": gid,
                "shaping": "single",
                "same_as_isol": 0,
                "label_source": USER,
            }
        )
    return rows


def _font_record(glyphs: FontGlyphs, f_id: str, path: str) -> dict:
    family, style = font_names(glyphs.face.ttfont)
    return {
        "file_hash": f_id,
        **glyphs.metrics,
        "family": family,
        "style": style,
        "path": path,
        "instance": None,
    }


def font_user_rows(font_path: str | Path, answers: Answers) -> list[UserFont]:
    """The rows of a font's answers (``answers.kind == 'font'``; hash checked by the loader)."""
    glyphs = read_font_glyphs(font_path, answers.face_index)
    f_id = face_hash(Path(font_path).read_bytes(), answers.face_index)
    pairs = [(a.gid, a) for a in answers.answers]
    rows = _rows(glyphs, f_id, pairs)
    return [UserFont(_font_record(glyphs, f_id, str(font_path)), rows, len(pairs))]


def pdf_user_rows(pdf_path: str | Path, answers: Answers) -> list[UserFont]:
    """The rows of a PDF's answers, one :class:`UserFont` per answered font program."""
    from raster.pdf.codes import code_to_gid
    from raster.pdf.document import open_pdf, scan_fonts
    from raster.pdf.font_program import program_file, temporary_folder

    wanted = answers.texts_by_font()
    by_font: dict[tuple[int, int], list[Answer]] = {}
    for a in answers.answers:
        by_font.setdefault(tuple(int(x) for x in a.font.split()), []).append(a)
    out = []
    with open_pdf(pdf_path) as pdf, temporary_folder() as folder:
        for font in scan_fonts(pdf):
            if font.objgen not in wanted:
                continue
            prog, ttfont = program_file(font, folder, f"user-{font.objgen[0]}-{font.objgen[1]}")
            gid_of = code_to_gid(font, ttfont)
            glyphs = read_font_glyphs(prog)
            f_id = face_hash(prog.read_bytes())
            pairs = [(gid_of[a.code], a) for a in by_font[font.objgen] if a.code in gid_of]
            where = f"{pdf_path} {font.base_font} (obj {font.objgen[0]})"
            out.append(
                UserFont(_font_record(glyphs, f_id, where), _rows(glyphs, f_id, pairs), len(pairs))
            )
    return out


def write_user_rows(db_path: str | Path, fonts: list[UserFont]) -> int:
    """Store the rows (one transaction): the ``fonts`` row when the font is new, each glyph's
    earlier user rows replaced. Returns the rows written."""
    conn = connect(db_path, create=True)
    conn.isolation_level = None
    written = 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            ensure_label_source(conn)
            font_cols, glyph_cols = table_columns(conn, "fonts"), table_columns(conn, "glyphs")
            keep_gid = "gid" in glyph_cols  # the user's own DB may lack the optional columns
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for uf in fonts:
                f = {**uf.font, "added_at": now}
                cols = [c for c in f if c in font_cols]
                conn.execute(
                    f"INSERT OR IGNORE INTO fonts ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' * len(cols))})",
                    [f[c] for c in cols],
                )
                if not keep_gid:  # without gids, a font's user rows are replaced as a whole
                    conn.execute(
                        "DELETE FROM glyphs WHERE f_id = ? AND label_source = ?",
                        (f["file_hash"], USER),
                    )
                for row in uf.rows:
                    if keep_gid:
                        conn.execute(
                            "DELETE FROM glyphs WHERE f_id = ? AND gid = ? AND label_source = ?",
                            (row["f_id"], row["gid"], USER),
                        )
                    cols = [c for c in row if c in glyph_cols]
                    conn.execute(
                        f"INSERT INTO glyphs ({', '.join(cols)}) "
                        f"VALUES ({', '.join('?' * len(cols))})",
                        [row[c] for c in cols],
                    )
                    written += 1
                if "n_glyphs" in font_cols:
                    conn.execute(
                        "UPDATE fonts SET n_glyphs = (SELECT COUNT(*) FROM glyphs WHERE f_id = ?) "
                        "WHERE file_hash = ?",
                        (f["file_hash"], f["file_hash"]),
                    )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return written


def ingest_answers(db_path: str | Path, source: str | Path, answers: Answers) -> tuple[int, int]:
    """Add the answers made for ``source`` (a font or a PDF) to the DB: (rows written, answers).

    Raises:
        FontLoadError / PdfInputError: the source cannot be read.
        sqlite3.Error: the write failed (nothing written).
    """
    fonts = (
        pdf_user_rows(source, answers) if answers.kind == "pdf" else font_user_rows(source, answers)
    )
    return write_user_rows(db_path, fonts), sum(f.answers for f in fonts)


def main_answers(db_path: Path, answers_path: Path, paths: list) -> int:
    """``raster.ingest --answers``: one line of result or of error; exit status."""
    import sqlite3
    import sys

    from raster.data.fonts import FontLoadError
    from raster.pdf.document import PdfFontError, PdfInputError
    from raster.reviewing.answers import AnswersError, load_answers
    from raster.reviewing.build import is_pdf

    if len(paths) != 1:
        print(
            f"error: --answers takes the one font or PDF {answers_path} was made for "
            f"({len(paths)} paths given)",
            file=sys.stderr,
        )
        return 2
    source = Path(paths[0])
    try:
        if not source.is_file():
            raise FileNotFoundError(f"{source}: no such file")
        kind = "pdf" if is_pdf(source) else "font"
        answers = load_answers(answers_path, kind, source)
        written, given = ingest_answers(db_path, source, answers)
    except (AnswersError, PdfInputError, OSError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FontLoadError, PdfFontError) as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return 2
    print(
        f"{db_path}: {written} user-labelled rows from {given} answers of {source.name} "
        f"(answers of no character or of several characters give no row)"
    )
    return 0
