"""What the review page shows: one item per glyph of a font, or per shown code of a PDF's fonts.

An item holds the glyph image (PNG, black ink on white, the font's em at :data:`IMAGE_PX`
pixels, as the model sees it: a mark stays small beside a letter), the model's guess and
calibrated confidence, up to :data:`RUNNERS_UP` runners-up, and for a PDF the words the code
occurs in (runs of codes split at blank glyphs, as the document draws them).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from raster.inference.font_glyphs import FontGlyphs, NoOutlinesError, read_font_glyphs
from raster.inference.predict import top_k
from raster.labels import label_text
from raster.paths import file_sha256

IMAGE_PX = 64
RUNNERS_UP = 5
WORDS_PER_CODE = 3
MAX_WORD_CODES = 24  # longer runs are cut around the code


@dataclass
class ReviewItem:
    """One glyph (font) or code (PDF) to review.

    Attributes:
        key: unique id on the page (``g12``; ``f0c5`` for code 5 of font 0).
        font: index into :attr:`ReviewData.fonts`.
        gid: glyph index; ``code``: character code (PDF) or None.
        name: glyph name.
        png: the glyph image (PNG bytes).
        label / text / confidence: the model's guess ('' when none).
        candidates: (label, text, probability) best first, the guess first when it has one.
        declared: the text the PDF's own ToUnicode gives the code (None: no map).
        words: indices into the font's :attr:`ReviewFont.words` holding this code.
    """

    key: str
    font: int
    gid: int
    code: int | None
    name: str
    png: bytes
    label: str
    text: str
    confidence: float
    candidates: list[tuple[str, str, float]]
    declared: str | None = None
    words: list[int] = field(default_factory=list)


@dataclass
class ReviewFont:
    """One reviewed font: ``key`` is the PDF object (``'12 0'``) or '' for a font file;
    ``texts`` is the guessed text of every shown code (PDF); ``words`` the code runs shown."""

    key: str
    name: str
    texts: dict[int, str] = field(default_factory=dict)
    words: list[list[int]] = field(default_factory=list)


@dataclass
class ReviewData:
    """Everything the page needs (see :func:`~raster.reviewing.page.write_page`)."""

    kind: str
    file: str
    sha256: str
    fonts: list[ReviewFont]
    items: list[ReviewItem]
    threshold: float
    face_index: int = 0
    model: str = ""
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def glyph_pngs(glyphs: FontGlyphs, size: int = IMAGE_PX) -> list[bytes]:
    """PNG per glyph: black ink on white, ``size`` px, the em scale of training (``em``)."""
    return glyphs.pngs(size)


def _shown(text: str) -> str:
    return "".join(ch if unicodedata.category(ch)[0] != "C" else "" for ch in text)


def font_review(
    path: str | Path,
    glyphs: FontGlyphs,
    probs: np.ndarray,
    labels: list[str],
    rows: list[dict],
    *,
    threshold: float = 0.5,
    face_index: int = 0,
    model: str = "",
) -> ReviewData:
    """Review data of a font from identify's output (``Identification`` fields).

    Args:
        glyphs: the identified glyphs (N).
        probs: float (N, L) probabilities over ``labels``.
        rows: identify's rows (N): the guess (the assignment's when it ran).
        threshold: confidence under which the page calls a guess unsure.
    """
    path = Path(path)
    idx, p = top_k(probs, RUNNERS_UP + 1)
    pngs = glyph_pngs(glyphs)
    items = []
    for i, row in enumerate(rows):
        cands = [(labels[int(j)], float(q)) for j, q in zip(idx[i], p[i], strict=True) if q > 0]
        if row["label"]:
            cands = [(row["label"], float(row["confidence"]))] + [
                c for c in cands if c[0] != row["label"]
            ]
        items.append(
            ReviewItem(
                key=f"g{row['gid']}",
                font=0,
                gid=int(row["gid"]),
                code=None,
                name=row["glyph_name"],
                png=pngs[i],
                label=row["label"],
                text=_shown(label_text(row["label"])),
                confidence=float(row["confidence"]),
                candidates=[(lab, _shown(label_text(lab)), q) for lab, q in cands][
                    : RUNNERS_UP + 1
                ],
            )
        )
    return ReviewData(
        "font",
        path.name,
        file_sha256(path),
        [ReviewFont("", path.name)],
        items,
        threshold,
        face_index,
        model,
    )


def split_words(sequences: list[list[int]], blank: set[int]) -> list[list[int]]:
    """Runs of codes cut at blank codes (spaces), empty pieces dropped, in document order."""
    words = []
    for seq in sequences:
        cur: list[int] = []
        for code in seq:
            if code in blank:
                if cur:
                    words.append(cur)
                cur = []
            else:
                cur.append(code)
        if cur:
            words.append(cur)
    return words


def _word_index(words: list[list[int]]) -> tuple[list[list[int]], dict[int, list[int]]]:
    """Distinct words (cut to :data:`MAX_WORD_CODES`) and, per code, up to
    :data:`WORDS_PER_CODE` of them holding it (first occurrences first)."""
    distinct: dict[tuple[int, ...], int] = {}
    per_code: dict[int, list[int]] = {}
    for w in words:
        for pos in range(0, len(w), MAX_WORD_CODES):
            piece = tuple(w[pos : pos + MAX_WORD_CODES])
            for code in set(piece):
                mine = per_code.setdefault(code, [])
                if len(mine) >= WORDS_PER_CODE:
                    continue
                i = distinct.setdefault(piece, len(distinct))
                if i not in mine:
                    mine.append(i)
    return [list(w) for w in distinct], per_code


def pdf_review(
    path: str | Path,
    identifier,
    *,
    context: bool = True,
    threshold: float = 0.3,
    model: str = "",
) -> ReviewData:
    """Review data of a PDF: every code its pages show, per readable font.

    Args:
        identifier: an :data:`~raster.pdf.glyph_text.Identifier` (the model).
        context: re-rank by neighbouring codes, as ``pdf repair`` does.
        threshold: confidence under which the page calls a guess unsure.

    Raises:
        PdfInputError: the PDF cannot be read. Fonts that cannot be read are left out (logged).
    """
    import logging

    from raster.pdf.document import PdfFontError, open_pdf, scan_fonts
    from raster.pdf.font_program import program_file, temporary_folder
    from raster.pdf.glyph_text import BLANK, identify_codes
    from raster.pdf.tounicode import parse_tounicode

    log = logging.getLogger(__name__)
    path = Path(path)
    fonts: list[ReviewFont] = []
    items: list[ReviewItem] = []
    with open_pdf(path) as pdf, temporary_folder() as folder:
        for font in scan_fonts(pdf):
            if not font.codes:
                continue
            try:
                guesses = identify_codes(font, folder, identifier, context)
                prog, _ = program_file(font, folder, f"review-{font.objgen[0]}-{font.objgen[1]}")
                glyphs = read_font_glyphs(prog)
            except NoOutlinesError:
                continue
            except PdfFontError as exc:
                log.warning("%s: font %s left out of the review: %s", path, font.label, exc)
                continue
            declared = (
                parse_tounicode(font.obj["/ToUnicode"].read_bytes()) if font.has_tounicode else None
            )
            fi = len(fonts)
            blank = {g.code for g in guesses if g.label == BLANK}
            words, per_code = _word_index(split_words(font.sequences, blank))
            fonts.append(
                ReviewFont(
                    f"{font.objgen[0]} {font.objgen[1]}",
                    font.label,
                    {g.code: g.text for g in guesses},
                    words,
                )
            )
            row_of = {int(g): i for i, g in enumerate(glyphs.gids)}
            shown = [g for g in guesses if g.gid in row_of and g.label != BLANK]
            pngs = glyph_pngs(glyphs.take([row_of[g.gid] for g in shown]))
            for g, png in zip(shown, pngs, strict=True):
                items.append(
                    ReviewItem(
                        key=f"f{fi}c{g.code}",
                        font=fi,
                        gid=g.gid,
                        code=g.code,
                        name=glyphs.names[row_of[g.gid]],
                        png=png,
                        label=g.label,
                        text=g.text,
                        confidence=float(g.confidence),
                        candidates=[
                            (lab, _shown(label_text(lab)), float(q))
                            for lab, q in g.candidates[: RUNNERS_UP + 1]
                        ],
                        declared=None if declared is None else declared.get(g.code, ""),
                        words=per_code.get(g.code, []),
                    )
                )
    return ReviewData("pdf", path.name, file_sha256(path), fonts, items, threshold, 0, model)
