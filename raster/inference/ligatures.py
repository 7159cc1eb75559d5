"""Lam-alef ligature references for the index: glyphs that stand for two characters.

Most Arabic fonts draw lam + alef (and alef with madda, hamza above, hamza below) as one
ligature glyph (rlig), isolated or final. The label space (``<codepoint>_<form>``, the user's
schema) has no label for them, so the identify model alone can only call such a glyph lam or
alef. The reference index can hold them: HarfBuzz shapes each lam-alef pair in every font of
the DB; when the result is one glyph with an outline, that glyph joins the index under the label
``1604+1575_isol`` (``+``-joined codepoints, then the form), which
:func:`raster.pdf.glyph_text.label_text` turns into the two characters. Index meta rows of
ligatures have ``glyph_id`` -1 (they are not DB rows).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import numpy as np

from raster.data.contours import parse_contours
from raster.data.fonts import FontLoadError, iter_faces
from raster.data.glyph_rows import FaceOutlines, recording_to_contours
from raster.data.render import RasterConfig, render_many
from raster.data.schema import font_source_columns, table_columns
from raster.data.shaping import ZWJ, Shaper
from raster.labels import make_label as ligature_label

LAM = 0x0644
ALEFS = (0x0627, 0x0622, 0x0623, 0x0625)  # alef, with madda above, hamza above, hamza below
LIGATURE_GLYPH_ID = -1

log = logging.getLogger(__name__)


def face_ligatures(face) -> list[tuple[str, str]]:
    """(label, contours JSON) of each lam-alef pair ``face`` draws as one outlined glyph.

    Forms: ``isol`` (lam + alef alone) and ``fina`` (after a joining letter, via ZWJ).
    """
    font = face.ttfont
    cmap = font.getBestCmap() or {}
    if LAM not in cmap:
        return []
    shaper = Shaper(face.hb_data, face.hb_index, face.location)
    outlines = FaceOutlines(face)
    out = []
    for alef in ALEFS:
        if alef not in cmap:
            continue
        for form, text in (("isol", chr(LAM) + chr(alef)), ("fina", ZWJ + chr(LAM) + chr(alef))):
            drawn = [
                outlines.recording(g.gid)
                for g in shaper.shape(text)
                if g.gid != 0 and outlines.has_outline(g.gid)
            ]
            if len(drawn) == 1:  # two outlined glyphs: lam and alef drawn apart, no ligature
                contours = recording_to_contours(drawn[0])
                out.append(
                    (ligature_label((LAM, alef), form), json.dumps(contours, separators=(",", ":")))
                )
    return out


def db_ligatures(db: str | Path, file_hashes: set[str]) -> list[dict]:
    """Ligature rows of the DB's fonts whose ``file_hash`` is in ``file_hashes``.

    Each font file is opened again (named instances too); a file that is gone or unreadable is
    skipped with a warning (one for all the files that are gone). Rows: ``{f_id, label, contours, upem}``.
    """
    with sqlite3.connect(db) as conn:
        path_column, _ = font_source_columns(table_columns(conn, "fonts"))
        fonts = conn.execute(f"SELECT file_hash, {path_column}, upem FROM fonts").fetchall()
    paths: dict[str, list[tuple[str, int]]] = {}
    for file_hash, path, upem in fonts:
        if file_hash in file_hashes and path:  # no path (the user's DB may have none): no file
            paths.setdefault(path, []).append((file_hash, upem))
    gone = sorted(p for p in paths if not Path(p).is_file())
    if gone:  # one line, not one per font: a user's DB may name files long moved
        log.warning(
            "%d font files named in %s are gone (%s%s): no ligature references from them",
            len(gone),
            db,
            gone[0],
            ", ..." if len(gone) > 1 else "",
        )
    rows = []
    for path, wanted in sorted(paths.items()):
        if path in gone:
            continue
        upem_of = dict(wanted)
        try:
            for face in iter_faces(path, "named"):
                if isinstance(face, tuple) or face.file_hash not in upem_of:
                    continue
                upem = upem_of[face.file_hash] or face.ttfont["head"].unitsPerEm
                for label, contours in face_ligatures(face):
                    rows.append(
                        {"f_id": face.file_hash, "label": label, "contours": contours, "upem": upem}
                    )
        except (FontLoadError, OSError) as exc:
            log.warning("%s: no ligature references (%s)", path, exc)
    return rows


def render_ligatures(rows: list[dict], raster: RasterConfig) -> np.ndarray:
    """uint8 (N, S, S) renders of ligature rows, as training renders DB rows."""
    outlines = [parse_contours(r["contours"], LIGATURE_GLYPH_ID) for r in rows]
    images, _ = render_many(outlines, np.asarray([float(r["upem"]) for r in rows]), raster)
    return images
