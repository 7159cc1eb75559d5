"""The context steps over the whole document: page-order neighbours, then document decoding.

Input: every font's per-glyph candidates (:class:`~raster.pdf.glyph_text.FontCandidates`).
The glyphs are laid out in page order (:func:`~raster.pdf.layout.page_lines`), across fonts
(Chromium splits one font into many Type3 fonts, cairo shows spaces with another font). Then

1. ``context``: each glyph's candidates are re-ranked by its neighbours' letter/digit vote
   (:mod:`~raster.pdf.context`) along the page lines;
2. ``language``: the code -> text map is decoded against the language's character model
   (:mod:`~raster.pdf.decode`) over the words in logical order (a line reads right to left when
   its best texts do; blanks and gaps split words).

When pdfminer cannot lay the file out, the runs of each show operator are the lines.
"""

from __future__ import annotations

import logging
from pathlib import Path

from raster.labels import label_text
from raster.pdf.context import Candidates, rerank
from raster.pdf.decode import decode
from raster.pdf.glyph_text import FontCandidates
from raster.pdf.language import language_model
from raster.pdf.layout import Shown, font_key, logical_words, page_lines

log = logging.getLogger(__name__)


def _operator_lines(fonts: dict[tuple, FontCandidates], sequences: dict[tuple, list]) -> list:
    return [
        [[Shown(fk, code, "", 0.0, 0.0) for code in seq]]
        for fk, seqs in sequences.items()
        for seq in seqs
    ]


def layout_or_none(path: str | Path) -> list | None:
    """:func:`page_lines`, or None (with a warning) when pdfminer cannot lay the file out."""
    try:
        return page_lines(path)
    except Exception as exc:  # pdfminer raises many types on odd files
        log.warning("%s: page layout failed (%s); context from the show operators", path, exc)
        return None


def document_candidates(
    path: str | Path,
    fonts: dict[tuple[int, int], FontCandidates],
    *,
    context: bool = True,
    language: str | None = None,
    glyph_weight: float = 1.0,
    sequences: dict[tuple[int, int], list[list[int]]] | None = None,
    lines: list | None = None,
) -> dict[tuple[int, int], dict[int, Candidates]]:
    """Per font (object, generation) -> code -> candidates after the context steps asked for,
    the chosen one first.

    Args:
        path: the PDF (laid out again with pdfminer).
        fonts: the fonts' per-glyph candidates.
        context: re-rank by the page-order neighbours' letter/digit vote.
        language: ``ar``/``fa``/``ur``: decode the document against that language; None: don't.
        glyph_weight: see :func:`raster.pdf.decode.decode`.
        sequences: per font, the shown runs of codes: the fallback lines.
        lines: the page lines when the caller has them (:func:`page_lines`); None: laid out here.
    """
    keyed = {font_key(og): og for og in fonts}
    cands: dict[tuple, Candidates] = {
        (font_key(og), code): c for og, fc in fonts.items() for code, c in fc.by_code.items()
    }
    blank = {(font_key(og), code) for og, fc in fonts.items() for code in fc.blank}
    if not context and not language:
        return {og: dict(fc.by_code) for og, fc in fonts.items()}
    if lines is None:
        lines = layout_or_none(path)
    if lines is None:
        lines = _operator_lines(fonts, {font_key(og): s for og, s in (sequences or {}).items()})
    if context:
        seqs = [[s.key for word in line for s in word if s.key in cands] for line in lines]
        cands = rerank(cands, [s for s in seqs if s])
    if language:

        def text_of(s: Shown) -> str:
            c = cands.get(s.key)
            return " " if s.key in blank else label_text(c[0][0]) if c else ""

        words: list[list[tuple]] = []
        for line in logical_words(lines, text_of):
            for word in line:
                current: list[tuple] = []
                for s in word:
                    if s.key in blank:
                        if current:
                            words.append(current)
                        current = []
                    elif s.key in cands or s.key[0] in keyed:
                        current.append(s.key)
                if current:
                    words.append(current)
        texts = {k: [(label_text(lab), p) for lab, p in c] for k, c in cands.items()}
        for k, decoded in decode(texts, words, language_model(language), glyph_weight).items():
            cands[k] = [(cands[k][i][0], p) for i, p in decoded]
    out: dict[tuple[int, int], dict[int, Candidates]] = {og: {} for og in fonts}
    for (fk, code), c in cands.items():
        out[keyed[fk]][code] = c
    return out
